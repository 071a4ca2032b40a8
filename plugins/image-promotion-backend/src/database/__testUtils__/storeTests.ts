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

import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import knexFactory, { Knex } from 'knex';
import { createStores, ImagePromotionStores } from '../stores';
import type { NewPromotion } from '../types';

// What the store tests share: names, digests, a clock, a promotion request,
// and fresh migrated stores on SQLite and PostgreSQL.

export const REF = 'component:default/payments';
export const OTHER_REF = 'component:default/billing';
export const D1 = `sha256:${'1'.repeat(64)}`;
export const D2 = `sha256:${'2'.repeat(64)}`;
export const D3 = `sha256:${'3'.repeat(64)}`;

/** 2026-01-01T12:00Z plus `minutes`. */
export const t = (minutes: number) =>
  new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + minutes * 60_000);

/** A request to promote D1 from dev to qa at t(0), with `overrides`. */
export function promotionInput(
  overrides?: Partial<NewPromotion>,
): NewPromotion {
  return {
    entityRef: REF,
    sourceEnvironment: 'dev',
    targetEnvironment: 'qa',
    digest: D1,
    sourceTag: '1.0.0',
    targetTag: '1.0.0',
    reason: 'ship it',
    status: 'queued',
    requestedBy: 'user:default/jane',
    gateResults: [{ gate: 'order', passed: true, message: 'Current in dev' }],
    now: t(0),
    ...overrides,
  };
}

/**
 * The databases of a store test. Call it inside the top `describe`: it
 * registers its cleanup before TestDatabases' own, which drops the databases
 * and cannot while extra connections are open.
 */
export function storeDatabases() {
  const extraConnections: Knex[] = [];
  afterAll(async () => {
    await Promise.all(extraConnections.map(k => k.destroy()));
  });

  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  async function createStore(databaseId: string) {
    const knex = await databases.init(
      databaseId as Parameters<typeof databases.init>[0],
    );
    const stores = await createStores({
      database: mockServices.database({ knex }),
    });
    return { knex, stores };
  }

  /**
   * Two sets of stores as two backend replicas would have them: on
   * PostgreSQL each with its own connection pool to the same database;
   * SQLite in memory has only the one connection.
   */
  async function createReplicas(
    databaseId: string,
  ): Promise<[ImagePromotionStores, ImagePromotionStores]> {
    const { knex, stores } = await createStore(databaseId);
    if (!databaseId.startsWith('POSTGRES')) {
      return [stores, stores];
    }
    const other: Knex = knexFactory({
      ...knex.client.config,
      pool: { min: 0, max: 5 },
    });
    extraConnections.push(other);
    const otherStores = await createStores({
      database: mockServices.database({ knex: other }),
      skipMigrations: true,
    });
    return [stores, otherStores];
  }

  return { databases, createStore, createReplicas };
}
