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

import { DurationError, parseDuration } from './duration';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each<[unknown, number]>([
    [{ hours: 1 }, HOUR],
    [
      { days: 1, hours: 2, minutes: 3, seconds: 4, milliseconds: 5 },
      DAY + 2 * HOUR + 3 * MINUTE + 4 * SECOND + 5,
    ],
    [{ weeks: 2 }, 14 * DAY],
    [{ minutes: '5' }, 5 * MINUTE],
    [{ seconds: 0 }, 0],
    ['1h', HOUR],
    ['90m', 90 * MINUTE],
    ['1h30m', 90 * MINUTE],
    ['1h 30m 15s', 90 * MINUTE + 15 * SECOND],
    ['1.5h', 90 * MINUTE],
    ['250ms', 250],
    ['2 days', 2 * DAY],
    ['3 Hours', 3 * HOUR],
    ['1w', 7 * DAY],
    ['45 min', 45 * MINUTE],
    ['PT1H', HOUR],
    ['PT1H30M', 90 * MINUTE],
    ['P1D', DAY],
    ['P1DT12H', 36 * HOUR],
    ['P2W', 14 * DAY],
    ['PT0.5S', 500],
    ['PT1,5M', 90 * SECOND],
    ['pt5m', 5 * MINUTE],
    ['  PT5M  ', 5 * MINUTE],
    ['PT0S', 0],
  ])('reads %j', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each<[unknown, string]>([
    [3600, 'is a bare number without a unit'],
    ['', 'is empty'],
    ['soon', 'is not a duration'],
    ['1 fortnight', 'has an unknown unit "fortnight"'],
    ['1h and a bit', 'is not a duration'],
    ['-1h', 'is not a duration'],
    ['P', 'is not a valid ISO-8601 duration'],
    ['PT', 'is not a valid ISO-8601 duration'],
    ['P1H', 'is not a valid ISO-8601 duration'],
    ['P1Y', 'uses years or months'],
    ['P1M', 'uses years or months'],
    [{ months: 1 }, 'uses months, which have no fixed length'],
    [{ hour: 1 }, 'has an unknown unit "hour"'],
    [{}, 'is an empty object'],
    [{ hours: -1 }, 'hours must be a number of zero or more'],
    [{ hours: 'one' }, 'hours must be a number of zero or more'],
    [[1, 'h'], 'must be a duration'],
    [null, 'must be a duration'],
    [true, 'must be a duration'],
  ])('refuses %j', (input, message) => {
    expect(() => parseDuration(input)).toThrow(DurationError);
    expect(() => parseDuration(input)).toThrow(message);
  });
});
