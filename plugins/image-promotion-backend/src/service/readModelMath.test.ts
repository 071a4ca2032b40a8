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
import {
  behindPrevious,
  durationStats,
  isoWeek,
  quantile,
} from './readModelMath';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

function version(digest: string, firstSeen: number): ImageVersion {
  return {
    entityRef: 'component:default/a',
    environment: 'dev',
    digest,
    tags: [],
    firstSeen: new Date(firstSeen),
    lastSeen: new Date(firstSeen),
    origin: 'discovered',
    promotionId: null,
  };
}

function current(digest: string, since = 0): CurrentVersion {
  return {
    digest,
    tag: null,
    since: new Date(since),
    by: null,
    promotionId: null,
  };
}

describe('quantile and durationStats', () => {
  it('interpolates between sorted values', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(quantile([1], 0.9)).toBe(1);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([0, 10], 0.9)).toBe(9);
  });

  it('reports hours', () => {
    expect(durationStats([3 * HOUR, 1 * HOUR, 2 * HOUR])).toEqual({
      count: 3,
      medianHours: 2,
      p90Hours: 2.8,
    });
    expect(durationStats([])).toEqual({
      count: 0,
      medianHours: null,
      p90Hours: null,
    });
  });
});

describe('isoWeek', () => {
  it.each([
    ['2026-01-01T12:00:00Z', '2026-W01'],
    ['2027-01-01T00:00:00Z', '2026-W53'],
    ['2024-12-30T00:00:00Z', '2025-W01'],
    ['2026-11-29T23:59:59Z', '2026-W48'],
    ['2026-11-30T00:00:00Z', '2026-W49'],
  ])('%s is in %s', (instant, week) => {
    expect(isoWeek(new Date(instant))).toBe(week);
  });
});

describe('behindPrevious', () => {
  const previousVersions = [
    version('sha256:a', 0),
    version('sha256:b', 2 * DAY),
    version('sha256:c', 5 * DAY),
    version('sha256:d', 9 * DAY),
  ];

  it('counts the versions between this environment and the previous one', () => {
    expect(
      behindPrevious({
        previousVersions,
        previousCurrent: current('sha256:c'),
        current: current('sha256:a'),
      }),
    ).toEqual({ versions: 2, days: 5 });
  });

  it('counts a newer version first seen in the same tracking run', () => {
    expect(
      behindPrevious({
        previousVersions: [version('sha256:a', 0), version('sha256:b', 0)],
        previousCurrent: current('sha256:b'),
        current: current('sha256:a'),
      }),
    ).toEqual({ versions: 1, days: 0 });
  });

  it('is zero when both run the same digest', () => {
    expect(
      behindPrevious({
        previousVersions,
        previousCurrent: current('sha256:d'),
        current: current('sha256:d'),
      }),
    ).toEqual({ versions: 0, days: 0 });
  });

  it('counts everything up to the previous current when this environment has nothing', () => {
    expect(
      behindPrevious({
        previousVersions,
        previousCurrent: current('sha256:d'),
        current: undefined,
      }),
    ).toEqual({ versions: 4, days: null });
  });

  it('is not behind an empty environment', () => {
    expect(
      behindPrevious({
        previousVersions: [],
        previousCurrent: undefined,
        current: current('sha256:a'),
      }),
    ).toEqual({ versions: 0, days: null });
  });
});
