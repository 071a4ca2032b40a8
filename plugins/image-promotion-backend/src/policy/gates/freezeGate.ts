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

import {
  activeFreezeWindows,
  describeFreezeWindow,
  nextFreezeEnd,
} from '../freezeWindows';
import { formatInstant, joinWords } from '../format';
import { zonedTime } from '../timeZone';
import type { PolicyGateResult } from '../types';
import type { PolicyContext } from './PolicyContext';

function localClock(at: Date, timeZone: string): string {
  const local = zonedTime(at, timeZone);
  const minutes = Math.round(local.minuteOfDay);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(
    minutes % 60,
  ).padStart(2, '0')} ${timeZone}`;
}

/** No promotion into an environment while one of its freeze windows is active. */
export function freezeGate(context: PolicyContext): PolicyGateResult {
  const { target, now } = context;
  const windows = target.policy.freezeWindows;
  if (windows.length === 0) {
    return {
      gate: 'freeze',
      passed: true,
      message: `${target.id} has no freeze windows`,
    };
  }
  const active = activeFreezeWindows(windows, now);
  const endsAt = nextFreezeEnd(windows, now);
  if (active.length === 0 || !endsAt) {
    return {
      gate: 'freeze',
      passed: true,
      message: `no freeze window of ${target.id} is active now`,
    };
  }
  const zoned = active.find(
    ({ window }) =>
      window.kind === 'weekly' &&
      window.timezone !== undefined &&
      window.timezone !== 'UTC',
  )?.window;
  const local =
    zoned?.kind === 'weekly' && zoned.timezone
      ? ` (${localClock(endsAt, zoned.timezone)})`
      : '';
  return {
    gate: 'freeze',
    passed: false,
    message: `${target.id} is frozen by ${joinWords(
      active.map(({ window }) => describeFreezeWindow(window)),
    )} until ${formatInstant(endsAt, now)}${local}; promote after that`,
    eligibleAt: endsAt.toISOString(),
  };
}
