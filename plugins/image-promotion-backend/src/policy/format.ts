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

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** `sha256:0123456789ab` — enough of a digest to recognise it in a sentence. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon === -1 ? digest : digest.slice(0, colon + 13);
}

/**
 * A duration for people: `45 s`, `12 min`, `1 h 30 min`, `2 d 3 h`. At most
 * two units; smaller remainders are dropped (rounded down).
 */
export function formatDuration(ms: number): string {
  const value = Math.max(0, ms);
  if (value < MINUTE) {
    return `${Math.floor(value / 1000)} s`;
  }
  const units: Array<[string, number]> = [
    ['d', DAY],
    ['h', HOUR],
    ['min', MINUTE],
  ];
  const firstIndex = units.findIndex(([, size]) => value >= size);
  const [label, size] = units[firstIndex];
  const whole = Math.floor(value / size);
  const next = units[firstIndex + 1];
  const remainder = next ? Math.floor((value - whole * size) / next[1]) : 0;
  return remainder > 0 && next
    ? `${whole} ${label} ${remainder} ${next[0]}`
    : `${whole} ${label}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * An instant for people, in UTC and exact to the second (it says when
 * something becomes possible, so a fraction rounds up): `14:05 UTC` on a whole
 * minute, `21:46:21 UTC` otherwise, dated (`2026-03-09 07:00 UTC`) unless it
 * is on the same day as `now`. Rounding to the minute said "eligible at
 * 21:47" for a soak that ended at 21:46:21.
 */
export function formatInstant(at: Date, now: Date): string {
  const rounded = new Date(Math.ceil(at.getTime() / SECOND) * SECOND);
  const seconds = rounded.getUTCSeconds();
  const time = `${pad(rounded.getUTCHours())}:${pad(rounded.getUTCMinutes())}${
    seconds ? `:${pad(seconds)}` : ''
  } UTC`;
  const sameDay =
    rounded.toISOString().slice(0, 10) === now.toISOString().slice(0, 10);
  return sameDay ? time : `${rounded.toISOString().slice(0, 10)} ${time}`;
}

/** `a`, `a and b`, `a, b and c`. */
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** `1 approval`, `2 approvals`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
