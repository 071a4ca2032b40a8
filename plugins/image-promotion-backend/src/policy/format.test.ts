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
  formatDuration,
  formatInstant,
  joinWords,
  plural,
  shortDigest,
} from './format';

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0 s'],
    [-5_000, '0 s'],
    [45_000, '45 s'],
    [59_999, '59 s'],
    [60_000, '1 min'],
    [12 * 60_000 + 59_000, '12 min'],
    [59 * 60_000, '59 min'],
    [3_600_000, '1 h'],
    [5_400_000, '1 h 30 min'],
    [3_600_000 + 30_000, '1 h'],
    [24 * 3_600_000, '1 d'],
    [27 * 3_600_000, '1 d 3 h'],
    [24 * 3_600_000 + 5 * 60_000, '1 d'],
    [14 * 24 * 3_600_000, '14 d'],
  ])('%d ms is "%s"', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe('formatInstant', () => {
  const now = new Date('2026-03-04T12:00:00Z');
  it.each<[string, string]>([
    ['2026-03-04T14:05:00Z', '14:05 UTC'],
    ['2026-03-04T14:04:01Z', '14:04:01 UTC'],
    ['2026-03-04T21:46:21Z', '21:46:21 UTC'],
    ['2026-03-04T21:46:20.001Z', '21:46:21 UTC'],
    ['2026-03-04T23:59:59.500Z', '2026-03-05 00:00 UTC'],
    ['2026-03-09T07:00:00Z', '2026-03-09 07:00 UTC'],
    ['2026-03-03T07:00:00Z', '2026-03-03 07:00 UTC'],
  ])(
    '%s is "%s" (exact to the second, rounded up, dated unless today)',
    (at, expected) => {
      expect(formatInstant(new Date(at), now)).toBe(expected);
    },
  );
});

describe('shortDigest', () => {
  it('keeps the algorithm and 12 hex characters', () => {
    expect(shortDigest(`sha256:${'0123456789abcdef'.repeat(4)}`)).toBe(
      'sha256:0123456789ab',
    );
    expect(shortDigest('not-a-digest')).toBe('not-a-digest');
  });
});

describe('joinWords and plural', () => {
  it('reads like English', () => {
    expect(joinWords([])).toBe('');
    expect(joinWords(['a'])).toBe('a');
    expect(joinWords(['a', 'b'])).toBe('a and b');
    expect(joinWords(['a', 'b', 'c'])).toBe('a, b and c');
    expect(plural(1, 'approval')).toBe('1 approval');
    expect(plural(2, 'approval')).toBe('2 approvals');
  });
});
