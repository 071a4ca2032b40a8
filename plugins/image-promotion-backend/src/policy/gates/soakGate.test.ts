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

import { evaluateGate } from '../__fixtures__/evaluateGate';
import { DIGEST, NOW, OTHER_DIGEST, input } from '../__fixtures__/policyInput';
import type { PolicyGateResult } from '../types';

const A = 'sha256:aaaaaaaaaaaa';
const HOUR = 3_600_000;
const MINUTE = 60_000;

function seenAgo(ms: number, digest = DIGEST) {
  return { digest, firstSeen: new Date(NOW.getTime() - ms) };
}

describe('soak gate', () => {
  it.each<[string, Parameters<typeof input>[0], PolicyGateResult]>([
    [
      'passes when no soak time is required',
      { facts: { sourceVersion: seenAgo(0) } },
      {
        gate: 'soak',
        passed: true,
        message: 'no soak time is required before prod',
      },
    ],
    [
      'fails while the digest soaks, saying how long and until when',
      {
        policy: { soakTimeMs: HOUR },
        facts: { sourceVersion: seenAgo(12 * MINUTE) },
      },
      {
        gate: 'soak',
        passed: false,
        message: `${A} has been in staging for 12 min of the required 1 h; eligible at 12:48 UTC`,
        eligibleAt: '2026-03-04T12:48:00.000Z',
      },
    ],
    [
      'names the eligible time to the second, as the API gives it',
      {
        policy: { soakTimeMs: HOUR },
        facts: { sourceVersion: seenAgo(12 * MINUTE + 30_000) },
      },
      {
        gate: 'soak',
        passed: false,
        message: `${A} has been in staging for 12 min of the required 1 h; eligible at 12:47:30 UTC`,
        eligibleAt: '2026-03-04T12:47:30.000Z',
      },
    ],
    [
      'dates an eligible time on another day',
      {
        policy: { soakTimeMs: 2 * 24 * HOUR },
        facts: { sourceVersion: seenAgo(3 * HOUR) },
      },
      {
        gate: 'soak',
        passed: false,
        message: `${A} has been in staging for 3 h of the required 2 d; eligible at 2026-03-06 09:00 UTC`,
        eligibleAt: '2026-03-06T09:00:00.000Z',
      },
    ],
    [
      'passes exactly at the soak time',
      { policy: { soakTimeMs: HOUR }, facts: { sourceVersion: seenAgo(HOUR) } },
      {
        gate: 'soak',
        passed: true,
        message: `${A} has been in staging for 1 h, at least the required 1 h`,
      },
    ],
    [
      'passes after the soak time',
      {
        policy: { soakTimeMs: HOUR },
        facts: { sourceVersion: seenAgo(26 * HOUR) },
      },
      {
        gate: 'soak',
        passed: true,
        message: `${A} has been in staging for 1 d 2 h, at least the required 1 h`,
      },
    ],
    [
      'fails when the digest was never seen in the source',
      { policy: { soakTimeMs: HOUR }, facts: { sourceVersion: undefined } },
      {
        gate: 'soak',
        passed: false,
        message: `${A} has not been seen in staging, so its 1 h soak time there has not started`,
      },
    ],
    [
      'does not take the soak of another digest',
      {
        policy: { soakTimeMs: HOUR },
        facts: { sourceVersion: seenAgo(48 * HOUR, OTHER_DIGEST) },
      },
      {
        gate: 'soak',
        passed: false,
        message: `${A} has not been seen in staging, so its 1 h soak time there has not started`,
      },
    ],
    [
      'treats a first-seen time in the future (clock skew) as just arrived',
      {
        policy: { soakTimeMs: HOUR },
        facts: { sourceVersion: seenAgo(-5 * MINUTE) },
      },
      {
        gate: 'soak',
        passed: false,
        message: `${A} has been in staging for 0 s of the required 1 h; eligible at 13:05 UTC`,
        eligibleAt: '2026-03-04T13:05:00.000Z',
      },
    ],
    [
      'measures from the environment the promotion comes from',
      {
        sourceEnvironmentId: 'qa',
        policy: { soakTimeMs: HOUR, allowSkip: true },
        facts: { sourceVersion: seenAgo(30 * MINUTE) },
      },
      {
        gate: 'soak',
        passed: false,
        message: `${A} has been in qa for 30 min of the required 1 h; eligible at 12:30 UTC`,
        eligibleAt: '2026-03-04T12:30:00.000Z',
      },
    ],
    [
      'lets a rollback skip it when rollbackSkipsSoak',
      {
        isRollback: true,
        policy: { soakTimeMs: HOUR },
        facts: { sourceVersion: seenAgo(MINUTE) },
      },
      {
        gate: 'soak',
        passed: true,
        message:
          'rollback: the 1 h soak time does not apply to a digest that was current in prod before',
      },
    ],
    [
      'holds a rollback to it when rollbackSkipsSoak is off',
      {
        isRollback: true,
        policy: { soakTimeMs: HOUR, rollbackSkipsSoak: false },
        facts: { sourceVersion: seenAgo(MINUTE) },
      },
      {
        gate: 'soak',
        passed: false,
        message: `${A} has been in staging for 1 min of the required 1 h; eligible at 12:59 UTC`,
        eligibleAt: '2026-03-04T12:59:00.000Z',
      },
    ],
  ])('%s', (_, overrides, expected) => {
    expect(evaluateGate(input(overrides), 'soak')).toEqual(expected);
  });
});
