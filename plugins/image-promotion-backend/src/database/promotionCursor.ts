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

import { InputError } from '@backstage/errors';

// The cursor of the promotion list: the last row's creation time and id,
// opaque to clients.

/** 9999-12-31T23:59:59.999Z: no promotion is created later than this. */
const LATEST_CURSOR_TIME = 253402300799999;
/** Promotion ids are UUIDs. */
const CURSOR_ID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The cursor that continues after `row`. */
export function encodeCursor(row: { created_at: Date; id: string }): string {
  return Buffer.from(
    JSON.stringify({ c: row.created_at.getTime(), i: row.id }),
  ).toString('base64url');
}

/**
 * The position a cursor names.
 *
 * @throws InputError when it is not a cursor this backend gave out
 */
export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    );
    if (
      parsed &&
      typeof parsed === 'object' &&
      'c' in parsed &&
      'i' in parsed &&
      typeof parsed.c === 'number' &&
      Number.isInteger(parsed.c) &&
      // Within what every database stores (PostgreSQL refuses years past
      // 294276 and before 4713 BC; a NUL in the id would reach its text).
      parsed.c >= 0 &&
      parsed.c <= LATEST_CURSOR_TIME &&
      typeof parsed.i === 'string' &&
      CURSOR_ID.test(parsed.i)
    ) {
      return { createdAt: new Date(parsed.c), id: parsed.i };
    }
  } catch {
    // fall through to the InputError below
  }
  throw new InputError(
    'Invalid cursor; pass the nextCursor of a previous page',
  );
}
