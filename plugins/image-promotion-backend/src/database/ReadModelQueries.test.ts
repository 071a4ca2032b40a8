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

import { TestDatabases } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import {
  generatedRef,
  seedGeneratedComponents,
} from '../__testUtils__/seedCatalog';
import { createStores } from './stores';
import { ReadModelQueries } from './ReadModelQueries';

jest.setTimeout(120_000);

const ENVIRONMENTS = [
  { id: 'dev' },
  { id: 'qa', currentTag: 'qa' },
  { id: 'staging' },
  { id: 'prod' },
];
const COMPONENTS = 40;

/** Counts the SQL statements `fn` makes. */
async function countQueries<T>(
  knex: Knex,
  fn: () => Promise<T>,
): Promise<{ result: T; queries: number }> {
  let queries = 0;
  const listener = () => {
    queries += 1;
  };
  knex.on('query', listener);
  try {
    const result = await fn();
    return { result, queries };
  } finally {
    knex.removeListener('query', listener);
  }
}

describe('ReadModelQueries', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  async function setUp(databaseId: Parameters<typeof databases.init>[0]) {
    const knex = await databases.init(databaseId);
    const stores = await createStores({
      database: { getClient: async () => knex },
    });
    await seedGeneratedComponents(stores, {
      from: 0,
      count: COMPONENTS,
      environments: ENVIRONMENTS.map(e => e.id),
      history: true,
    });
    return { knex, stores, queries: new ReadModelQueries(knex) };
  }

  it.each(databases.eachSupportedId())(
    'reads every environment of every component as the per-row stores methods do, in six statements, %p',
    async databaseId => {
      const { knex, stores, queries } = await setUp(databaseId);
      const refs = Array.from({ length: COMPONENTS }, (_, i) =>
        generatedRef(i),
      );
      // Every 9th component's staging registry could not be read.
      await stores.trackingErrors.record(
        refs.map((entityRef, i) => ({
          entityRef,
          environment: 'staging',
          ...(i % 9 === 0
            ? { error: `the staging registry refused ${i}` }
            : {}),
        })),
      );
      const { result: states, queries: statements } = await countQueries(
        knex,
        () => queries.environmentStates({ environments: ENVIRONMENTS }),
      );
      expect(statements).toBe(6);

      let failures = 0;
      let drift = 0;
      let pending = 0;
      let unreadable = 0;
      for (const entityRef of refs) {
        for (const environment of ENVIRONMENTS) {
          const state = states.get(entityRef, environment);
          expect(state.versions).toEqual(
            await stores.tags.listVersions(entityRef, environment.id),
          );
          expect(state.current).toEqual(
            await stores.tags.getCurrent(entityRef, environment.id, {
              currentTag: environment.currentTag,
            }),
          );
          const open = await stores.drift.listDriftEvents({
            entityRef,
            environment: environment.id,
          });
          expect(state.openDrift).toBe(open.length);
          const waiting = await stores.promotions.listPromotions({
            entityRef,
            environment: environment.id,
            status: ['pending_approval'],
            limit: 100,
          });
          expect(state.pendingApprovals).toBe(waiting.totalCount);
          const [last] = (
            await stores.promotions.listPromotions({
              entityRef,
              environment: environment.id,
              status: ['succeeded', 'failed'],
              limit: 1,
            })
          ).items;
          expect(state.lastFailure).toEqual(
            last?.status === 'failed' ? last : undefined,
          );
          expect(state.trackingError).toEqual(
            (await stores.trackingErrors.forComponent(entityRef)).get(
              environment.id,
            ),
          );
          unreadable += state.trackingError ? 1 : 0;
          failures += state.lastFailure ? 1 : 0;
          drift += state.openDrift;
          pending += state.pendingApprovals;
        }
      }
      // The seed gives every 7th component a failure, every 13th drift and every 10th a pending promotion.
      expect(failures).toBe(Math.ceil(COMPONENTS / 7));
      expect(drift).toBe(Math.ceil(COMPONENTS / 13));
      expect(pending).toBe(Math.ceil(COMPONENTS / 10));
      expect(unreadable).toBe(Math.ceil(COMPONENTS / 9));

      // Named components: the same six statements, and only theirs.
      const some = await countQueries(knex, () =>
        queries.environmentStates({
          entityRefs: [refs[0], refs[7]],
          environments: ENVIRONMENTS,
        }),
      );
      expect(some.queries).toBe(6);
      expect(some.result.get(refs[7], ENVIRONMENTS[1]).lastFailure).toEqual(
        states.get(refs[7], ENVIRONMENTS[1]).lastFailure,
      );
      expect(some.result.get(refs[1], ENVIRONMENTS[0]).versions).toEqual([]);
      await knex.destroy();
    },
  );

  it.each(databases.eachSupportedId())(
    'reads the status of one component in five statements, as the per-row stores methods do, %p',
    async databaseId => {
      const { knex, stores, queries } = await setUp(databaseId);
      for (const i of [0, 7, 13, 21]) {
        const entityRef = generatedRef(i);
        const { result, queries: statements } = await countQueries(knex, () =>
          queries.entityStatus(entityRef, ENVIRONMENTS),
        );
        expect(statements).toBe(5);
        for (const environment of ENVIRONMENTS) {
          const status = result.get(environment.id)!;
          expect(status.versions).toEqual(
            await stores.tags.listVersions(entityRef, environment.id),
          );
          expect(status.current).toEqual(
            await stores.tags.getCurrent(entityRef, environment.id, {
              currentTag: environment.currentTag,
            }),
          );
          expect(status.openPromotion).toEqual(
            await stores.promotions.getOpenPromotion(entityRef, environment.id),
          );
          expect(status.drift).toEqual(
            await stores.drift.listDriftEvents({
              entityRef,
              environment: environment.id,
            }),
          );
        }
      }
      // Component 0 waits for approval into prod and has drift in dev.
      const zero = await queries.entityStatus(generatedRef(0), ENVIRONMENTS);
      expect(zero.get('prod')!.openPromotion?.status).toBe('pending_approval');
      expect(zero.get('dev')!.drift).toHaveLength(1);
      await knex.destroy();
    },
  );

  it.each(databases.eachSupportedId())(
    'finds when promoted digests were first seen in the first environment, in one statement, %p',
    async databaseId => {
      const { knex, stores, queries } = await setUp(databaseId);
      const since = new Date(Date.now() - 30 * 24 * 3600_000);
      const until = new Date(Date.now() + 1000);
      const { result, queries: statements } = await countQueries(knex, () =>
        queries.leadTimeStarts({
          firstEnvironment: 'dev',
          lastEnvironments: ['prod'],
          since,
          until,
        }),
      );
      expect(statements).toBe(1);
      const succeeded = await stores.promotions.listSucceededPromotions({
        since,
        until,
      });
      expect(succeeded).toHaveLength(COMPONENTS);
      for (const promotion of succeeded) {
        const [seen] = await stores.tags.listFirstSeen({
          environment: 'dev',
          digests: [promotion.digest],
          entityRef: promotion.entityRef,
        });
        expect(
          result.get(`${promotion.entityRef}\u0000${promotion.digest}`),
        ).toEqual(seen.firstSeen);
      }
      await knex.destroy();
    },
  );
});
