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

import { ValueProblem } from './ValueProblem';

/**
 * A duration written as an object, the way Backstage writes `HumanDuration`
 * (years and months are refused: they have no fixed length).
 */
export interface DurationObject {
  weeks?: number;
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
}

const MS_PER_UNIT: Readonly<Record<keyof DurationObject, number>> = {
  weeks: 7 * 24 * 3_600_000,
  days: 24 * 3_600_000,
  hours: 3_600_000,
  minutes: 60_000,
  seconds: 1_000,
  milliseconds: 1,
};

const SHORT_UNITS: ReadonlyArray<[RegExp, number]> = [
  [/^(ms|msecs?|milliseconds?)$/, 1],
  [/^(s|secs?|seconds?)$/, 1_000],
  [/^(m|mins?|minutes?)$/, 60_000],
  [/^(h|hrs?|hours?)$/, 3_600_000],
  [/^(d|days?)$/, 24 * 3_600_000],
  [/^(w|weeks?)$/, 7 * 24 * 3_600_000],
];

const ISO_DURATION =
  /^P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

const SHORT_TOKEN = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*/y;

const HINT =
  "write it as an object such as { hours: 1 }, a string such as '1h' or '90m', or an ISO-8601 duration such as 'PT1H'";

/** Thrown by {@link parseDuration}; the message quotes at most an unknown unit name. */
export class DurationError extends ValueProblem {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

function toNumber(text: string): number {
  return Number(text.replace(',', '.'));
}

function parseIsoDuration(text: string): number {
  const match = ISO_DURATION.exec(text.toUpperCase());
  if (!match || text.length <= 1 || /T$/i.test(text)) {
    throw new DurationError(`is not a valid ISO-8601 duration; ${HINT}`);
  }
  const [, years, months, weeks, days, hours, minutes, seconds] = match;
  if (years !== undefined || months !== undefined) {
    throw new DurationError(
      'uses years or months, which have no fixed length; use weeks or days (e.g. P30D)',
    );
  }
  const parts: Array<[string | undefined, number]> = [
    [weeks, MS_PER_UNIT.weeks],
    [days, MS_PER_UNIT.days],
    [hours, MS_PER_UNIT.hours],
    [minutes, MS_PER_UNIT.minutes],
    [seconds, MS_PER_UNIT.seconds],
  ];
  return parts.reduce(
    (total, [value, unit]) =>
      value === undefined ? total : total + toNumber(value) * unit,
    0,
  );
}

function parseShortDuration(text: string): number {
  let total = 0;
  let consumed = 0;
  SHORT_TOKEN.lastIndex = 0;
  for (
    let match = SHORT_TOKEN.exec(text);
    match;
    match = SHORT_TOKEN.exec(text)
  ) {
    const unitText = match[2];
    const unit = SHORT_UNITS.find(([pattern]) => pattern.test(unitText));
    if (!unit) {
      throw new DurationError(
        `has an unknown unit "${unitText}"; use ms, s, m, h, d or w, or ${HINT}`,
      );
    }
    total += Number(match[1]) * unit[1];
    consumed = SHORT_TOKEN.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new DurationError(`is not a duration; ${HINT}`);
  }
  return total;
}

function parseDurationObject(value: Record<string, unknown>): number {
  const keys = Object.keys(value);
  if (keys.length === 0) {
    throw new DurationError(`is an empty object; ${HINT}`);
  }
  let total = 0;
  for (const key of keys) {
    if (key === 'years' || key === 'months') {
      throw new DurationError(
        `uses ${key}, which have no fixed length; use weeks or days`,
      );
    }
    if (!(key in MS_PER_UNIT)) {
      throw new DurationError(
        `has an unknown unit "${key}"; use ${Object.keys(MS_PER_UNIT).join(
          ', ',
        )}`,
      );
    }
    const raw = value[key];
    const amount =
      typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw.trim())
        ? Number(raw)
        : raw;
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new DurationError(`${key} must be a number of zero or more`);
    }
    total += amount * MS_PER_UNIT[key as keyof DurationObject];
  }
  return total;
}

/**
 * Parses a duration given as an object (`{ hours: 1, minutes: 30 }`), a short
 * string (`'1h30m'`, `'90 min'`) or an ISO-8601 duration (`'PT1H30M'`) into
 * whole milliseconds.
 */
export function parseDuration(value: unknown): number {
  let ms: number;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') {
      throw new DurationError(`is empty; ${HINT}`);
    }
    ms = /^p/i.test(text)
      ? parseIsoDuration(text)
      : parseShortDuration(text.toLowerCase());
  } else if (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value)
  ) {
    ms = parseDurationObject(value as Record<string, unknown>);
  } else if (typeof value === 'number') {
    throw new DurationError(`is a bare number without a unit; ${HINT}`);
  } else {
    throw new DurationError(`must be a duration; ${HINT}`);
  }
  if (!Number.isFinite(ms)) {
    throw new DurationError('is too large');
  }
  return Math.round(ms);
}
