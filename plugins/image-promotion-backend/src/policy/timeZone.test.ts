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
  addDays,
  isValidTimeZone,
  parseTimeOfDay,
  zonedTime,
  zonedTimeToInstant,
} from './timeZone';

describe('zonedTime', () => {
  it.each<[string, string, [number, number, number, number, string]]>([
    // [instant, zone, [year, month, day, weekday, HH:MM]]
    ['2026-03-04T12:00:00Z', 'UTC', [2026, 3, 4, 3, '12:00']],
    ['2026-03-04T23:30:00Z', 'Europe/Berlin', [2026, 3, 5, 4, '00:30']],
    ['2026-07-04T23:30:00Z', 'Europe/Berlin', [2026, 7, 5, 0, '01:30']],
    ['2026-03-06T03:00:00Z', 'America/Los_Angeles', [2026, 3, 5, 4, '19:00']],
    ['2026-03-04T12:00:00Z', 'Asia/Kolkata', [2026, 3, 4, 3, '17:30']],
    ['2026-03-04T12:00:00Z', 'Pacific/Chatham', [2026, 3, 5, 4, '01:45']],
  ])('%s in %s', (instant, zone, [year, month, day, weekday, clock]) => {
    const local = zonedTime(new Date(instant), zone);
    const hh = String(Math.floor(local.minuteOfDay / 60)).padStart(2, '0');
    const mm = String(local.minuteOfDay % 60).padStart(2, '0');
    expect({ ...local, clock: `${hh}:${mm}` }).toEqual({
      year,
      month,
      day,
      weekday,
      minuteOfDay: local.minuteOfDay,
      clock,
    });
  });

  it('keeps seconds as a fraction of a minute', () => {
    expect(
      zonedTime(new Date('2026-03-04T12:00:30Z'), 'UTC').minuteOfDay,
    ).toBeCloseTo(720.5);
  });
});

describe('zonedTimeToInstant', () => {
  it.each<[string, [number, number, number], number, string]>([
    ['UTC', [2026, 3, 4], 12 * 60, '2026-03-04T12:00:00.000Z'],
    ['Europe/Berlin', [2026, 3, 9], 8 * 60, '2026-03-09T07:00:00.000Z'],
    ['Europe/Berlin', [2026, 7, 6], 8 * 60, '2026-07-06T06:00:00.000Z'],
    ['Europe/Berlin', [2026, 3, 8], 24 * 60, '2026-03-08T23:00:00.000Z'],
    ['America/New_York', [2026, 3, 7], 23 * 60, '2026-03-08T04:00:00.000Z'],
    ['America/New_York', [2026, 3, 8], 12 * 60, '2026-03-08T16:00:00.000Z'],
    ['Asia/Kolkata', [2026, 3, 4], 0, '2026-03-03T18:30:00.000Z'],
    // 02:30 does not exist on 29 March 2026 in Berlin: resolved one offset later (03:30 CEST).
    ['Europe/Berlin', [2026, 3, 29], 150, '2026-03-29T01:30:00.000Z'],
  ])('%s %j at minute %d', (zone, [year, month, day], minute, expected) => {
    expect(
      zonedTimeToInstant({ year, month, day }, minute, zone).toISOString(),
    ).toBe(expected);
  });
});

describe('helpers', () => {
  it('adds calendar days across month and year ends', () => {
    expect(addDays({ year: 2026, month: 2, day: 28 }, 1)).toEqual({
      year: 2026,
      month: 3,
      day: 1,
    });
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({
      year: 2027,
      month: 1,
      day: 1,
    });
  });

  it.each<[string, boolean, number | undefined]>([
    ['00:00', false, 0],
    ['9:05', false, 545],
    ['23:59', false, 1439],
    ['24:00', false, undefined],
    ['24:00', true, 1440],
    ['24:01', true, undefined],
    ['12:60', false, undefined],
    ['1200', false, undefined],
  ])('parseTimeOfDay(%j, %s) = %j', (text, allowEndOfDay, expected) => {
    expect(parseTimeOfDay(text, allowEndOfDay)).toBe(expected);
  });

  it('knows IANA zones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});
