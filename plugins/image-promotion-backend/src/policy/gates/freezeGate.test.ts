/*
 * Copyright 2026 The image-promotion authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

import type { FreezeWindow } from '../../domain/types';
import { evaluateGate } from '../__fixtures__/evaluateGate';
import { input } from '../__fixtures__/policyInput';
import type { PolicyGateResult } from '../types';

// March 2026: Wed 4, Fri 6, Sat 7, Sun 8, Mon 9. Berlin is UTC+1 until 29 March.
const WEEKEND_BERLIN: FreezeWindow[] = [
  {
    kind: 'weekly',
    days: [5],
    startTime: '18:00',
    endTime: '24:00',
    timezone: 'Europe/Berlin',
    reason: 'Weekend',
  },
  {
    kind: 'weekly',
    days: [6, 0],
    startTime: '00:00',
    endTime: '24:00',
    timezone: 'Europe/Berlin',
    reason: 'Weekend',
  },
  {
    kind: 'weekly',
    days: [1],
    startTime: '00:00',
    endTime: '08:00',
    timezone: 'Europe/Berlin',
    reason: 'Weekend',
  },
];
const NIGHTLY_UTC: FreezeWindow = {
  kind: 'weekly',
  days: [0, 1, 2, 3, 4, 5, 6],
  startTime: '22:00',
  endTime: '06:00',
};
const YEAR_END: FreezeWindow = {
  kind: 'once',
  start: '2026-12-19T23:00:00.000Z',
  end: '2027-01-04T00:00:00.000Z',
  reason: 'Year-end freeze',
};

describe('freeze gate', () => {
  it.each<[string, FreezeWindow[], string, PolicyGateResult]>([
    [
      'passes without freeze windows',
      [],
      '2026-03-06T20:00:00Z',
      { gate: 'freeze', passed: true, message: 'prod has no freeze windows' },
    ],
    [
      'passes outside every window',
      [...WEEKEND_BERLIN, NIGHTLY_UTC, YEAR_END],
      '2026-03-04T12:00:00Z',
      {
        gate: 'freeze',
        passed: true,
        message: 'no freeze window of prod is active now',
      },
    ],
    [
      'fails in a weekly window in its time zone, naming it and when the freeze ends (UTC and local)',
      WEEKEND_BERLIN,
      '2026-03-06T17:30:00Z',
      {
        gate: 'freeze',
        passed: false,
        message:
          'prod is frozen by "Weekend" (Fri 18:00–24:00 Europe/Berlin) until 2026-03-09 07:00 UTC (08:00 Europe/Berlin); promote after that',
        eligibleAt: '2026-03-09T07:00:00.000Z',
      },
    ],
    [
      'passes just before a weekly window starts in its time zone',
      WEEKEND_BERLIN,
      '2026-03-06T16:59:00Z',
      {
        gate: 'freeze',
        passed: true,
        message: 'no freeze window of prod is active now',
      },
    ],
    [
      'fails in the part of a midnight-spanning window after midnight',
      [NIGHTLY_UTC],
      '2026-03-04T05:00:00Z',
      {
        gate: 'freeze',
        passed: false,
        message:
          'prod is frozen by weekly freeze daily 22:00–06:00 UTC until 06:00 UTC; promote after that',
        eligibleAt: '2026-03-04T06:00:00.000Z',
      },
    ],
    [
      'fails in the part of a midnight-spanning window before midnight',
      [NIGHTLY_UTC],
      '2026-03-04T23:00:00Z',
      {
        gate: 'freeze',
        passed: false,
        message:
          'prod is frozen by weekly freeze daily 22:00–06:00 UTC until 2026-03-05 06:00 UTC; promote after that',
        eligibleAt: '2026-03-05T06:00:00.000Z',
      },
    ],
    [
      'fails in a one-off window',
      [YEAR_END],
      '2026-12-24T10:00:00Z',
      {
        gate: 'freeze',
        passed: false,
        message:
          'prod is frozen by "Year-end freeze" (2026-12-19 23:00 UTC – 2027-01-04 00:00 UTC) until 2027-01-04 00:00 UTC; promote after that',
        eligibleAt: '2027-01-04T00:00:00.000Z',
      },
    ],
    [
      'names every active window',
      [NIGHTLY_UTC, YEAR_END],
      '2026-12-24T23:00:00Z',
      {
        gate: 'freeze',
        passed: false,
        message:
          'prod is frozen by weekly freeze daily 22:00–06:00 UTC and "Year-end freeze" (2026-12-19 23:00 UTC – 2027-01-04 00:00 UTC) until 2027-01-04 06:00 UTC; promote after that',
        eligibleAt: '2027-01-04T06:00:00.000Z',
      },
    ],
  ])('%s', (_, freezeWindows, now, expected) => {
    expect(
      evaluateGate(
        input({ now: new Date(now), policy: { freezeWindows } }),
        'freeze',
      ),
    ).toEqual(expected);
  });

  it('applies to rollbacks too', () => {
    expect(
      evaluateGate(
        input({
          isRollback: true,
          now: new Date('2026-03-04T23:00:00Z'),
          policy: { freezeWindows: [NIGHTLY_UTC] },
        }),
        'freeze',
      ).passed,
    ).toBe(false);
  });
});
