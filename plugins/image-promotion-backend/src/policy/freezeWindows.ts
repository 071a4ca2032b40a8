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
import { formatInstant } from './format';
import {
  addDays,
  parseTimeOfDay,
  weekdayName,
  zonedTime,
  zonedTimeToInstant,
} from './timeZone';

// A freeze that keeps extending beyond this is reported with the end found so far.
const HORIZON_MS = 400 * 24 * 3_600_000;
const MAX_STEPS = 1_000;

function weeklyWindowEnd(
  window: Extract<FreezeWindow, { kind: 'weekly' }>,
  now: Date,
): Date | undefined {
  const timeZone = window.timezone ?? 'UTC';
  const start = parseTimeOfDay(window.startTime);
  const end = parseTimeOfDay(window.endTime, true);
  if (start === undefined || end === undefined) {
    return undefined;
  }
  const local = zonedTime(now, timeZone);
  const days = new Set(window.days.map(day => day % 7));
  const today = { year: local.year, month: local.month, day: local.day };
  const t = local.minuteOfDay;
  let endsAt: Date | undefined;
  if (start < end) {
    if (days.has(local.weekday) && t >= start && t < end) {
      endsAt = zonedTimeToInstant(today, end, timeZone);
    }
  } else if (days.has(local.weekday) && t >= start) {
    // Spans midnight: started today, ends tomorrow.
    endsAt = zonedTimeToInstant(addDays(today, 1), end, timeZone);
  } else if (days.has((local.weekday + 6) % 7) && t < end) {
    // Spans midnight: started yesterday, ends today.
    endsAt = zonedTimeToInstant(today, end, timeZone);
  }
  if (endsAt && endsAt.getTime() <= now.getTime()) {
    // Only a DST change can put the local end before now; never report a past end.
    return new Date(now.getTime() + 60_000);
  }
  return endsAt;
}

/**
 * When `window` ends, if it is active at `now`; undefined otherwise. Weekly
 * windows are evaluated on the wall clock of their time zone.
 */
export function freezeWindowEnd(
  window: FreezeWindow,
  now: Date,
): Date | undefined {
  if (window.kind === 'once') {
    const start = Date.parse(window.start);
    const end = Date.parse(window.end);
    const t = now.getTime();
    return t >= start && t < end ? new Date(end) : undefined;
  }
  return weeklyWindowEnd(window, now);
}

/** The windows active at `now`, each with its end. */
export function activeFreezeWindows(
  windows: readonly FreezeWindow[],
  now: Date,
): Array<{ window: FreezeWindow; endsAt: Date }> {
  const active: Array<{ window: FreezeWindow; endsAt: Date }> = [];
  for (const window of windows) {
    const endsAt = freezeWindowEnd(window, now);
    if (endsAt) active.push({ window, endsAt });
  }
  return active;
}

/**
 * When promotions are possible again: the first instant at or after `now` at
 * which no window is active, following windows that overlap or adjoin.
 * Undefined when no window is active at `now`.
 */
export function nextFreezeEnd(
  windows: readonly FreezeWindow[],
  now: Date,
): Date | undefined {
  let at = now;
  for (let step = 0; step < MAX_STEPS; step++) {
    const active = activeFreezeWindows(windows, at);
    if (active.length === 0) {
      return step === 0 ? undefined : at;
    }
    at = new Date(Math.max(...active.map(({ endsAt }) => endsAt.getTime())));
    if (at.getTime() - now.getTime() > HORIZON_MS) {
      break;
    }
  }
  return at;
}

function describeDays(days: readonly number[]): string {
  const sorted = [...new Set(days.map(day => day % 7))].sort((a, b) => a - b);
  if (sorted.length === 7) return 'daily';
  const runs: number[][] = [];
  for (const day of sorted) {
    const run = runs[runs.length - 1];
    if (run && run[run.length - 1] === day - 1) run.push(day);
    else runs.push([day]);
  }
  const first = runs[0];
  const last = runs[runs.length - 1];
  if (runs.length > 1 && first[0] === 0 && last[last.length - 1] === 6) {
    // Weeks wrap: Fri, Sat, Sun is one run.
    runs.splice(0, 1);
    runs[runs.length - 1] = [...last, ...first];
  }
  return runs
    .map(run =>
      run.length >= 3
        ? `${weekdayName(run[0])}–${weekdayName(run[run.length - 1])}`
        : run.map(weekdayName).join(', '),
    )
    .join(', ');
}

/**
 * A freeze window in words: `"Weekend" (Fri, Sat 18:00–08:00 Europe/Berlin)`,
 * `freeze 2026-12-19 23:00 UTC – 2027-01-04 00:00 UTC`.
 */
export function describeFreezeWindow(window: FreezeWindow): string {
  const when =
    window.kind === 'weekly'
      ? `${describeDays(window.days)} ${window.startTime}–${window.endTime} ${
          window.timezone ?? 'UTC'
        }`
      : `${formatInstant(
          new Date(window.start),
          new Date(0),
        )} – ${formatInstant(new Date(window.end), new Date(0))}`;
  if (window.reason) {
    return `"${window.reason}" (${when})`;
  }
  return window.kind === 'weekly' ? `weekly freeze ${when}` : `freeze ${when}`;
}
