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
import { D1, D2, D3, storeDatabases, t } from './__testUtils__/storeTests';
import type { ImagePromotionStores } from './stores';
import type { TagSnapshot } from './types';

jest.setTimeout(60_000);

const ref = (i: number) => `component:default/svc-${i}`;

/** What each environment held before: 1.0.0 and its current tag on D1, 0.9.0 on D2. */
function seedSnapshots(): TagSnapshot[] {
  return Array.from({ length: 6 }, (_, i) => ({
    entityRef: ref(i),
    environment: i % 2 ? 'qa' : 'dev',
    observed: [
      { tag: '1.0.0', digest: D1 },
      { tag: 'current', digest: D1 },
      { tag: '0.9.0', digest: D2 },
    ],
    now: t(0),
  }));
}

/** A run with every kind of change, and one environment listed twice. */
function changedSnapshots(): TagSnapshot[] {
  const at = (minutes: number) => ({ observedAt: t(minutes), now: t(minutes) });
  return [
    // a new tag on a new digest
    {
      entityRef: ref(0),
      environment: 'dev',
      observed: [
        { tag: '1.0.0', digest: D1 },
        { tag: 'current', digest: D1 },
        { tag: '0.9.0', digest: D2 },
        { tag: '2.0.0', digest: D3 },
      ],
      ...at(5),
    },
    // drift: 1.0.0 moved without a promotion
    {
      entityRef: ref(1),
      environment: 'qa',
      observed: [
        { tag: '1.0.0', digest: D3 },
        { tag: 'current', digest: D1 },
        { tag: '0.9.0', digest: D2 },
      ],
      ...at(5),
    },
    // CI moved the current tag: not drift
    {
      entityRef: ref(2),
      environment: 'dev',
      observed: [
        { tag: '1.0.0', digest: D1 },
        { tag: 'current', digest: D2 },
        { tag: '0.9.0', digest: D2 },
      ],
      movableTags: ['current'],
      ...at(5),
    },
    // a tag deleted
    {
      entityRef: ref(3),
      environment: 'qa',
      observed: [
        { tag: '1.0.0', digest: D1 },
        { tag: 'current', digest: D1 },
      ],
      ...at(5),
    },
    // unchanged, seen again
    { ...seedSnapshots()[4], ...at(5) },
    // listed twice in one batch: the later listing last
    {
      entityRef: ref(5),
      environment: 'qa',
      observed: [
        { tag: '1.0.0', digest: D1 },
        { tag: 'current', digest: D1 },
        { tag: '0.9.0', digest: D2 },
        { tag: '1.1.0', digest: D3 },
      ],
      ...at(5),
    },
    {
      entityRef: ref(5),
      environment: 'qa',
      observed: [
        { tag: '1.0.0', digest: D1 },
        { tag: 'current', digest: D3 },
        { tag: '1.1.0', digest: D3 },
      ],
      ...at(6),
    },
  ];
}

/** Everything tracking writes, without generated ids, in a fixed order. */
async function dump(knex: Knex) {
  const order = ['entity_ref', 'environment'];
  return {
    states: await knex('tag_states')
      .orderBy([...order, 'tag'])
      .select('entity_ref', 'environment', 'tag', 'digest', 'since'),
    versions: await knex('image_versions')
      .orderBy([...order, 'digest'])
      .select(
        'entity_ref',
        'environment',
        'digest',
        'tags',
        'first_seen',
        'last_seen',
      ),
    history: await knex('tag_history')
      .orderBy([...order, 'tag', 'at', 'digest'])
      .select('entity_ref', 'environment', 'tag', 'digest', 'cause', 'at'),
    drift: await knex('drift_events')
      .orderBy([...order, 'tag'])
      .select(
        'entity_ref',
        'environment',
        'tag',
        'previous_digest',
        'new_digest',
      ),
  };
}

describe('tag snapshots written as a batch', () => {
  const { databases, createStore } = storeDatabases();

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    async function seeded(): Promise<{
      knex: Knex;
      stores: ImagePromotionStores;
    }> {
      const store = await createStore(databaseId);
      for (const snapshot of seedSnapshots()) {
        await store.stores.tags.applyTagSnapshot(snapshot);
      }
      return store;
    }

    it('writes what one snapshot at a time writes, and answers for each', async () => {
      const one = await seeded();
      const single = [];
      for (const snapshot of changedSnapshots()) {
        single.push(await one.stores.tags.applyTagSnapshot(snapshot));
      }
      const batched = await seeded();
      const results = await batched.stores.tags.applyTagSnapshots(
        changedSnapshots(),
      );

      expect(results).toEqual(
        single.map(r => ({
          newDigests: r.newDigests,
          driftEvents: r.driftEvents.map(e => ({
            ...e,
            id: expect.any(String),
          })),
        })),
      );
      expect(results[0].newDigests).toEqual([D3]);
      expect(results[1].driftEvents).toEqual([
        expect.objectContaining({
          tag: '1.0.0',
          previousDigest: D1,
          newDigest: D3,
        }),
      ]);
      expect(results[2].driftEvents).toEqual([]);
      const written = await dump(batched.knex);
      expect(written).toEqual(await dump(one.knex));
      // svc-1's 1.0.0, and svc-5's current in its second listing
      expect(written.drift).toHaveLength(2);
      expect(
        written.states.filter(s => s.entity_ref === ref(5)).map(s => s.tag),
      ).toEqual(['1.0.0', '1.1.0', 'current']);
    });

    it('writes a batch in a fixed number of statements, however many environments changed', async () => {
      const { knex, stores } = await seeded();
      const statements: string[] = [];
      const count = (query: { sql: string }) => statements.push(query.sql);
      knex.on('query', count);
      try {
        // Fifty environments, each with a new tag on a new digest and one
        // seen again.
        await stores.tags.applyTagSnapshots(
          Array.from({ length: 50 }, (_, i) => ({
            entityRef: ref(100 + i),
            environment: 'dev',
            observed: [{ tag: '1.0.0', digest: D1 }],
            now: t(0),
          })),
        );
        statements.length = 0;
        await stores.tags.applyTagSnapshots(
          Array.from({ length: 50 }, (_, i) => ({
            entityRef: ref(100 + i),
            environment: 'dev',
            observed: [
              { tag: '1.0.0', digest: D1 },
              { tag: '2.0.0', digest: D2 },
            ],
            now: t(1),
          })),
        );
      } finally {
        knex.off('query', count);
      }
      // Transaction, lock, three reads, four inserts, the version updates:
      // not one per environment.
      expect(statements.length).toBeLessThanOrEqual(12);
      expect(await stores.tags.listVersions(ref(149), 'dev')).toEqual([
        expect.objectContaining({ digest: D2, tags: ['2.0.0'] }),
        expect.objectContaining({
          digest: D1,
          tags: ['1.0.0'],
          lastSeen: t(1),
        }),
      ]);
    });

    it('writes nothing of a batch when one of its snapshots cannot be written', async () => {
      const { knex, stores } = await seeded();
      const before = await dump(knex);
      const broken: TagSnapshot = {
        entityRef: ref(0),
        environment: 'dev',
        observed: [{ tag: '3.0.0', digest: null as unknown as string }],
        now: t(9),
      };
      // Not toThrow: better-sqlite3's errors may come from another test
      // file's realm, and are no Error of this one.
      await expect(
        stores.tags.applyTagSnapshots([changedSnapshots()[1], broken]),
      ).rejects.toHaveProperty(
        'message',
        expect.stringMatching(/tag_states.*digest|digest.*tag_states/),
      );
      expect(await dump(knex)).toEqual(before);
    });
  });
});
