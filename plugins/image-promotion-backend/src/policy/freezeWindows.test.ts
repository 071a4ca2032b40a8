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

import type { FreezeWindow } from '../domain/types';
import {
  activeFreezeWindows,
  describeFreezeWindow,
  freezeWindowEnd,
  nextFreezeEnd,
} from './freezeWindows';

// March 2026: Wed 4, Thu 5, Fri 6, Sat 7, Sun 8 (US DST starts), Mon 9.
function weekly(
  days: number[],
  startTime: string,
  endTime: string,
  timezone?: string,
): FreezeWindow {
  return {
    kind: 'weekly',
    days,
    startTime,
    endTime,
    ...(timezone ? { timezone } : {}),
  };
}

const FRIDAY_EVENING_BERLIN = weekly([5], '18:00', '24:00', 'Europe/Berlin');
const FRIDAY_NIGHT_UTC = weekly([5], '22:00', '06:00');
const OFFICE_HOURS_LA = weekly(
  [1, 2, 3, 4, 5],
  '09:00',
  '17:00',
  'America/Los_Angeles',
);
const SUNDAY_NIGHT_TOKYO = weekly([0], '23:00', '02:00', 'Asia/Tokyo');
const ONCE: FreezeWindow = {
  kind: 'once',
  start: '2026-12-19T23:00:00.000Z',
  end: '2027-01-04T00:00:00.000Z',
  reason: 'Year end',
};

describe('freezeWindowEnd', () => {
  it.each<[string, FreezeWindow, string, string | undefined]>([
    // [case, window, now, end or undefined when inactive]
    [
      'Berlin Friday 17:59 local: not yet',
      FRIDAY_EVENING_BERLIN,
      '2026-03-06T16:59:00Z',
      undefined,
    ],
    [
      'Berlin Friday 18:00 local: starts (inclusive)',
      FRIDAY_EVENING_BERLIN,
      '2026-03-06T17:00:00Z',
      '2026-03-06T23:00:00.000Z',
    ],
    [
      'Berlin Friday 23:59 local',
      FRIDAY_EVENING_BERLIN,
      '2026-03-06T22:59:59Z',
      '2026-03-06T23:00:00.000Z',
    ],
    [
      'Berlin Saturday 00:00 local: over (exclusive end)',
      FRIDAY_EVENING_BERLIN,
      '2026-03-06T23:00:00Z',
      undefined,
    ],
    [
      'Berlin in summer time: 18:00 CEST is 16:00 UTC',
      FRIDAY_EVENING_BERLIN,
      '2026-07-03T16:00:00Z',
      '2026-07-03T22:00:00.000Z',
    ],
    [
      'Berlin on a Thursday',
      FRIDAY_EVENING_BERLIN,
      '2026-03-05T20:00:00Z',
      undefined,
    ],
    [
      'spanning midnight: before midnight on the start day',
      FRIDAY_NIGHT_UTC,
      '2026-03-06T22:30:00Z',
      '2026-03-07T06:00:00.000Z',
    ],
    [
      'spanning midnight: after midnight, the day after the start day',
      FRIDAY_NIGHT_UTC,
      '2026-03-07T05:59:00Z',
      '2026-03-07T06:00:00.000Z',
    ],
    [
      'spanning midnight: at its end',
      FRIDAY_NIGHT_UTC,
      '2026-03-07T06:00:00Z',
      undefined,
    ],
    [
      'spanning midnight: the evening of a day not listed',
      FRIDAY_NIGHT_UTC,
      '2026-03-07T22:30:00Z',
      undefined,
    ],
    [
      'spanning midnight: the morning of the listed day belongs to the day before',
      FRIDAY_NIGHT_UTC,
      '2026-03-06T05:00:00Z',
      undefined,
    ],
    [
      'spanning midnight in a zone: Monday 00:00 JST, started Sunday',
      SUNDAY_NIGHT_TOKYO,
      '2026-03-08T15:00:00Z',
      '2026-03-08T17:00:00.000Z',
    ],
    [
      'spanning midnight in a zone: Sunday 23:00 JST',
      SUNDAY_NIGHT_TOKYO,
      '2026-03-08T14:00:00Z',
      '2026-03-08T17:00:00.000Z',
    ],
    [
      'spanning midnight in a zone: Sunday 22:59 JST',
      SUNDAY_NIGHT_TOKYO,
      '2026-03-08T13:59:00Z',
      undefined,
    ],
    [
      'Los Angeles Thursday 09:30 PST',
      OFFICE_HOURS_LA,
      '2026-03-05T17:30:00Z',
      '2026-03-06T01:00:00.000Z',
    ],
    [
      'Los Angeles: Friday in UTC, still Thursday 16:30 local',
      OFFICE_HOURS_LA,
      '2026-03-06T00:30:00Z',
      '2026-03-06T01:00:00.000Z',
    ],
    [
      'Los Angeles: Saturday in UTC, Friday 16:30 local',
      OFFICE_HOURS_LA,
      '2026-03-07T00:30:00Z',
      '2026-03-07T01:00:00.000Z',
    ],
    [
      'Los Angeles Saturday 09:30 local',
      OFFICE_HOURS_LA,
      '2026-03-07T17:30:00Z',
      undefined,
    ],
    [
      'Los Angeles Monday 09:30 PDT, after the DST change',
      OFFICE_HOURS_LA,
      '2026-03-09T16:30:00Z',
      '2026-03-10T00:00:00.000Z',
    ],
    [
      'Los Angeles Monday 08:30 PDT (16:30 UTC would be 08:30 PST)',
      OFFICE_HOURS_LA,
      '2026-03-09T15:30:00Z',
      undefined,
    ],
    ['once: before', ONCE, '2026-12-19T22:59:59Z', undefined],
    [
      'once: at its start',
      ONCE,
      '2026-12-19T23:00:00Z',
      '2027-01-04T00:00:00.000Z',
    ],
    ['once: inside', ONCE, '2026-12-31T12:00:00Z', '2027-01-04T00:00:00.000Z'],
    ['once: at its end', ONCE, '2027-01-04T00:00:00Z', undefined],
  ])('%s', (_, window, now, expected) => {
    expect(freezeWindowEnd(window, new Date(now))?.toISOString()).toBe(
      expected,
    );
  });

  it('treats day 7 as Sunday', () => {
    expect(
      freezeWindowEnd(
        weekly([7], '00:00', '24:00'),
        new Date('2026-03-08T12:00:00Z'),
      )?.toISOString(),
    ).toBe('2026-03-09T00:00:00.000Z');
  });
});

describe('activeFreezeWindows', () => {
  it('lists only the windows active now, each with its end', () => {
    expect(
      activeFreezeWindows(
        [FRIDAY_EVENING_BERLIN, FRIDAY_NIGHT_UTC, ONCE],
        new Date('2026-03-06T22:30:00Z'),
      ),
    ).toEqual([
      {
        window: FRIDAY_EVENING_BERLIN,
        endsAt: new Date('2026-03-06T23:00:00Z'),
      },
      { window: FRIDAY_NIGHT_UTC, endsAt: new Date('2026-03-07T06:00:00Z') },
    ]);
  });
});

describe('nextFreezeEnd', () => {
  const WEEKEND_BERLIN = [
    weekly([5], '18:00', '24:00', 'Europe/Berlin'),
    weekly([6, 0], '00:00', '24:00', 'Europe/Berlin'),
    weekly([1], '00:00', '08:00', 'Europe/Berlin'),
  ];

  it.each<[string, FreezeWindow[], string, string | undefined]>([
    ['no windows', [], '2026-03-06T20:00:00Z', undefined],
    ['no window active', WEEKEND_BERLIN, '2026-03-04T12:00:00Z', undefined],
    [
      'adjoining windows chain into one weekend freeze',
      WEEKEND_BERLIN,
      '2026-03-06T20:00:00Z',
      '2026-03-09T07:00:00.000Z',
    ],
    [
      'from inside the middle window',
      WEEKEND_BERLIN,
      '2026-03-08T10:00:00Z',
      '2026-03-09T07:00:00.000Z',
    ],
    [
      'a later-ending overlapping one-off window extends the freeze',
      [
        weekly([5], '18:00', '24:00'),
        {
          kind: 'once',
          start: '2026-03-06T20:00:00Z',
          end: '2026-03-07T10:00:00Z',
        },
      ],
      '2026-03-06T19:00:00Z',
      '2026-03-07T10:00:00.000Z',
    ],
    [
      'an earlier-ending overlapping window does not shorten it',
      [
        weekly([5], '18:00', '24:00'),
        {
          kind: 'once',
          start: '2026-03-06T18:00:00Z',
          end: '2026-03-06T20:00:00Z',
        },
      ],
      '2026-03-06T19:00:00Z',
      '2026-03-07T00:00:00.000Z',
    ],
    [
      'a gap between windows ends the freeze',
      [weekly([5], '18:00', '20:00'), weekly([5], '20:01', '22:00')],
      '2026-03-06T19:00:00Z',
      '2026-03-06T20:00:00.000Z',
    ],
  ])('%s', (_, windows, now, expected) => {
    expect(nextFreezeEnd(windows, new Date(now))?.toISOString()).toBe(expected);
  });

  it('gives up past a year for a freeze that never ends', () => {
    const now = new Date('2026-03-04T12:00:00Z');
    const end = nextFreezeEnd(
      [weekly([0, 1, 2, 3, 4, 5, 6], '00:00', '24:00')],
      now,
    );
    expect(end!.getTime() - now.getTime()).toBeGreaterThan(
      365 * 24 * 3_600_000,
    );
  });
});

describe('describeFreezeWindow', () => {
  it.each<[FreezeWindow, string]>([
    [
      { ...FRIDAY_NIGHT_UTC, reason: 'Release night' },
      '"Release night" (Fri 22:00–06:00 UTC)',
    ],
    [FRIDAY_EVENING_BERLIN, 'weekly freeze Fri 18:00–24:00 Europe/Berlin'],
    [OFFICE_HOURS_LA, 'weekly freeze Mon–Fri 09:00–17:00 America/Los_Angeles'],
    [
      weekly([5, 6, 0], '18:00', '08:00'),
      'weekly freeze Fri–Sun 18:00–08:00 UTC',
    ],
    [
      weekly([1, 3, 5, 6], '18:00', '08:00'),
      'weekly freeze Mon, Wed, Fri, Sat 18:00–08:00 UTC',
    ],
    [
      weekly([0, 1, 2, 3, 4, 5, 6], '22:00', '23:00'),
      'weekly freeze daily 22:00–23:00 UTC',
    ],
    [ONCE, '"Year end" (2026-12-19 23:00 UTC – 2027-01-04 00:00 UTC)'],
    [
      { ...ONCE, reason: undefined },
      'freeze 2026-12-19 23:00 UTC – 2027-01-04 00:00 UTC',
    ],
  ])('%j', (window, expected) => {
    expect(describeFreezeWindow(window)).toBe(expected);
  });
});
