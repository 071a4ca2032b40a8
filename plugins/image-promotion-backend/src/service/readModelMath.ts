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

import type { CurrentVersion, ImageVersion } from '../database';
import type {
  BehindSummary,
  DurationStats,
} from '@image-promotion/plugin-image-promotion-common';

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** The `q`-quantile (0..1) of sorted values, linearly interpolated. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/** Count, median and 90th percentile of durations in milliseconds, reported in hours. */
export function durationStats(durationsMs: readonly number[]): DurationStats {
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const p90 = quantile(sorted, 0.9);
  return {
    count: sorted.length,
    medianHours: median === null ? null : round(median / HOUR_MS, 2),
    p90Hours: p90 === null ? null : round(p90 / HOUR_MS, 2),
  };
}

/** The ISO-8601 week of an instant in UTC, e.g. `2026-W01` (weeks start on Monday). */
export function isoWeek(date: Date): string {
  const day = new Date(
    Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()),
  );
  const weekday = day.getUTCDay() || 7;
  // The Thursday of this week decides the year the week belongs to.
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / DAY_MS + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/**
 * How far an environment is behind the previous one: how many versions the
 * previous environment holds that are newer than this environment's current
 * one (up to the previous environment's current one), and the days between
 * the two in the previous environment.
 */
export function behindPrevious(input: {
  previousVersions: readonly ImageVersion[];
  previousCurrent: CurrentVersion | undefined;
  current: CurrentVersion | undefined;
}): BehindSummary {
  const { previousVersions, previousCurrent, current } = input;
  if (!previousCurrent) return { versions: 0, days: null };
  if (current?.digest === previousCurrent.digest) {
    return { versions: 0, days: 0 };
  }
  const firstSeen = (digest: string) =>
    previousVersions.find(v => v.digest === digest)?.firstSeen;
  const reference = (
    firstSeen(previousCurrent.digest) ?? previousCurrent.since
  ).getTime();
  const mine = current ? firstSeen(current.digest) : undefined;
  if (!mine) {
    return {
      versions: previousVersions.filter(v => v.firstSeen.getTime() <= reference)
        .length,
      days: null,
    };
  }
  const from = mine.getTime();
  return {
    // Versions first seen in the same tracking run as this one count as newer (a
    // registry listing gives them one instant); this environment's own digest never does.
    versions: previousVersions.filter(v => {
      const t = v.firstSeen.getTime();
      return v.digest !== current?.digest && t >= from && t <= reference;
    }).length,
    days: round(Math.max(0, reference - from) / DAY_MS, 1),
  };
}
