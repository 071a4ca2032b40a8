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

import type { Knex } from 'knex';
import { PromotionStatus, TERMINAL_STATUSES } from '../domain/types';

// Helpers the stores share; nothing here knows an aggregate.

/** Keeps statements well below SQLite's and PostgreSQL's bind-variable limits. */
export const CHUNK_SIZE = 200;

/** `items` in slices of at most `size`. */
export function chunks<T>(items: T[], size = CHUNK_SIZE): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    result.push(items.slice(i, i + size));
  }
  return result;
}

/** Whether a promotion in `status` is finished for good. */
export function isTerminal(status: PromotionStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Whether `error` is a primary-key or unique constraint violation on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** Whether `db` talks to PostgreSQL (else SQLite). */
export function isPostgres(db: Knex): boolean {
  return /^(pg|postgres)/.test(String(db.client.config.client));
}
