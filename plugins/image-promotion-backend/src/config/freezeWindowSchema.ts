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

import { z } from 'zod';
import type { FreezeWindow } from '../domain/types';
import { isValidTimeZone, parseTimeOfDay } from '../policy/timeZone';
import { ValueProblem } from './ValueProblem';
import {
  nonEmptyString,
  parsedBy,
  strictObject,
  taggedUnion,
} from './zodHelpers';

const DAY_NAMES = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
];

const DAYS_HINT =
  'use day names (mon, tuesday, …), numbers 0–6 with 0 = Sunday (7 also means Sunday), or a range such as mon-fri';

function parseDayName(text: string): number | undefined {
  const word = text.trim().toLowerCase();
  if (/^[0-7]$/.test(word)) {
    return Number(word) % 7;
  }
  const index = DAY_NAMES.findIndex(
    name => name.startsWith(word) && word.length >= 3,
  );
  return index === -1 ? undefined : index;
}

/** One `days` entry: a day number, a day name, or a range such as `mon-fri` or `fri-mon`. */
function parseDayEntry(value: unknown): number[] {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 7) {
      return [value % 7];
    }
    throw new ValueProblem(`must be a day; ${DAYS_HINT}`);
  }
  if (typeof value !== 'string') {
    throw new ValueProblem(`must be a day; ${DAYS_HINT}`);
  }
  const bounds = value.split('-');
  const parsed = bounds.map(parseDayName);
  if (bounds.length > 2 || parsed.some(day => day === undefined)) {
    throw new ValueProblem(`"${value}" is not a day; ${DAYS_HINT}`);
  }
  const [from, to = from] = parsed as number[];
  const days: number[] = [];
  for (let day = from; ; day = (day + 1) % 7) {
    days.push(day);
    if (day === to) break;
  }
  return days;
}

function timeOfDay(allowEndOfDay: boolean) {
  return parsedBy(value => {
    if (typeof value === 'number') {
      throw new ValueProblem(
        "must be a time 'HH:MM' in quotes (unquoted, YAML may read it as a number)",
      );
    }
    const minutes =
      typeof value === 'string'
        ? parseTimeOfDay(value, allowEndOfDay)
        : undefined;
    if (minutes === undefined) {
      throw new ValueProblem(
        `must be a time 'HH:MM' between 00:00 and ${
          allowEndOfDay ? '24:00' : '23:59'
        }`,
      );
    }
    return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(
      minutes % 60,
    ).padStart(2, '0')}`;
  });
}

const timezoneSchema = parsedBy(value => {
  if (typeof value !== 'string' || !isValidTimeZone(value.trim())) {
    throw new ValueProblem(
      'must be an IANA time zone such as "Europe/Berlin", "America/New_York" or "UTC"',
    );
  }
  return value.trim();
});

const ISO_INSTANT =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

const instantSchema = parsedBy(value => {
  const text = typeof value === 'string' ? value.trim() : '';
  const ms = Date.parse(text);
  if (!ISO_INSTANT.test(text) || Number.isNaN(ms)) {
    throw new ValueProblem(
      'must be an ISO-8601 instant with a time and a UTC offset, e.g. "2026-12-24T00:00:00Z" or "2026-12-24T00:00:00+01:00"',
    );
  }
  return new Date(ms).toISOString();
});

const weeklySchema = strictObject({
  kind: z.literal('weekly'),
  days: z
    .array(parsedBy(parseDayEntry))
    .min(1)
    .optional()
    .transform(entries =>
      entries
        ? [...new Set(entries.flat())].sort((a, b) => a - b)
        : [0, 1, 2, 3, 4, 5, 6],
    ),
  start: timeOfDay(false),
  end: timeOfDay(true),
  timezone: timezoneSchema.optional(),
  reason: nonEmptyString.optional(),
})
  .superRefine((window, ctx) => {
    if (window.start === window.end) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['end'],
        message:
          "must differ from start; for whole days use start: '00:00' and end: '24:00'",
      });
    }
  })
  .transform(
    (window): FreezeWindow => ({
      kind: 'weekly',
      days: window.days,
      startTime: window.start,
      endTime: window.end,
      ...(window.timezone ? { timezone: window.timezone } : {}),
      ...(window.reason ? { reason: window.reason } : {}),
    }),
  );

const onceSchema = strictObject({
  kind: z.literal('once'),
  start: instantSchema,
  end: instantSchema,
  reason: nonEmptyString.optional(),
})
  .superRefine((window, ctx) => {
    if (Date.parse(window.end) <= Date.parse(window.start)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['end'],
        message: 'must be after start',
      });
    }
  })
  .transform(
    (window): FreezeWindow => ({
      kind: 'once',
      start: window.start,
      end: window.end,
      ...(window.reason ? { reason: window.reason } : {}),
    }),
  );

/**
 * A freeze window in config:
 * `{ kind: weekly, days: [fri, sat], start: '18:00', end: '08:00', timezone: Europe/Berlin, reason }`
 * (end before start spans midnight) or
 * `{ kind: once, start: <ISO instant>, end: <ISO instant>, reason }`.
 */
export const freezeWindowSchema = taggedUnion<FreezeWindow>('kind', {
  weekly: weeklySchema,
  once: onceSchema,
});
