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
  REF,
  OTHER_REF,
  D1,
  D2,
  D3,
  t,
  promotionInput,
  storeDatabases,
} from './__testUtils__/storeTests';
import type { ImagePromotionStores } from './stores';

import { ReadModelQueries } from './ReadModelQueries';

jest.setTimeout(60_000);

describe('TagStore', () => {
  const { databases, createStore, createReplicas } = storeDatabases();

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('records versions and tags from a snapshot', async () => {
      const { stores } = await createStore(databaseId);
      const first = await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'dev',
        observed: [
          { tag: '1.0.0', digest: D1 },
          { tag: 'latest', digest: D2 },
          { tag: '1.1.0', digest: D2 },
        ],
        now: t(0),
      });
      expect(first.newDigests.sort()).toEqual([D1, D2]);
      expect(first.driftEvents).toEqual([]);

      const second = await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'dev',
        observed: [
          { tag: '1.0.0', digest: D1 },
          { tag: '1.1.0', digest: D2 },
          { tag: '1.2.0', digest: D3 },
        ],
        now: t(10),
      });
      expect(second).toEqual({ newDigests: [D3], driftEvents: [] });

      const versions = await stores.tags.listVersions(REF, 'dev');
      expect(versions).toEqual([
        expect.objectContaining({
          digest: D3,
          tags: ['1.2.0'],
          firstSeen: t(10),
          lastSeen: t(10),
          origin: 'discovered',
          promotionId: null,
        }),
        expect.objectContaining({ digest: D1, tags: ['1.0.0'] }),
        expect.objectContaining({
          digest: D2,
          tags: ['1.1.0'],
          firstSeen: t(0),
          lastSeen: t(10),
        }),
      ]);
      expect(
        (await stores.tags.listTagStates(REF, 'dev')).map(s => s.tag),
      ).toEqual(['1.0.0', '1.1.0', '1.2.0']);

      // every tag gone: versions stay known, without tags
      await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'dev',
        observed: [],
        now: t(20),
      });
      const after = await stores.tags.listVersions(REF, 'dev');
      expect(after).toHaveLength(3);
      expect(after.every(v => v.tags.length === 0)).toBe(true);
      expect(await stores.tags.listTagStates(REF, 'dev')).toEqual([]);
    });

    it('applies overlapping snapshots of one environment one after the other', async () => {
      const [a, b] = await createReplicas(databaseId);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? b : a).tags.applyTagSnapshot({
            entityRef: REF,
            environment: 'dev',
            observed: [
              { tag: '1.0.0', digest: D1 },
              { tag: 'latest', digest: D1 },
            ],
            now: t(i),
          }),
        ),
      );
      expect(results.flatMap(r => r.newDigests)).toEqual([D1]);
      expect(results.flatMap(r => r.driftEvents)).toEqual([]);
      expect(await a.tags.listVersions(REF, 'dev')).toEqual([
        expect.objectContaining({ digest: D1, tags: ['1.0.0', 'latest'] }),
      ]);
    });

    it('does not report a tag moved by a promotion as drift', async () => {
      const { stores } = await createStore(databaseId);
      await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [{ tag: 'qa', digest: D1 }],
        now: t(0),
      });
      const promotion = await stores.promotions.createPromotion(
        promotionInput({ digest: D2, targetTag: 'qa' }),
      );
      await stores.tags.recordPromotedTag({
        entityRef: REF,
        environment: 'qa',
        tag: 'qa',
        digest: D2,
        promotionId: promotion.id,
        now: t(3),
      });
      // a listing that started before the promotion recorded its tag
      const stale = await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [{ tag: 'qa', digest: D1 }],
        observedAt: t(2),
        now: t(4),
      });
      expect(stale.driftEvents).toEqual([]);
      const fresh = await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [{ tag: 'qa', digest: D2 }],
        now: t(5),
      });
      expect(fresh).toEqual({ newDigests: [], driftEvents: [] });
      expect(await stores.drift.listDriftEvents()).toEqual([]);
      expect(await stores.tags.getVersion(REF, 'qa', D2)).toMatchObject({
        tags: ['qa'],
        origin: 'promotion',
        promotionId: promotion.id,
        firstSeen: t(3),
      });
      expect(await stores.tags.getVersion(REF, 'qa', D1)).toMatchObject({
        tags: [],
      });
    });

    /** Tracking listed qa holding `digest` at its tag "qa". */
    function listedQa(
      stores: ImagePromotionStores,
      digest: string,
      times: { observedAt?: Date; now: Date },
    ) {
      return stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [{ tag: 'qa', digest }],
        ...times,
      });
    }

    /**
     * A promotion of D2 to qa under `tag`, claimed by "worker" at t(1), that
     * recorded its tag at t(2) and has not pushed it yet.
     */
    async function runningPromotionRecorded(
      stores: ImagePromotionStores,
      tag: string,
    ) {
      const promotion = await stores.promotions.createPromotion(
        promotionInput({ digest: D2, targetTag: tag, now: t(1) }),
      );
      await stores.queue.claimNextPromotion({
        owner: 'worker',
        leaseMs: 60 * 60_000,
        now: t(1),
      });
      await stores.tags.recordPromotedTag({
        entityRef: REF,
        environment: 'qa',
        tag,
        digest: D2,
        promotionId: promotion.id,
        now: t(2),
      });
      return promotion;
    }

    it('does not report the move of an unfinished or just-finished promotion as drift', async () => {
      const { stores } = await createStore(databaseId);
      const snapshot = (digest: string, observedAt: Date, now: Date) =>
        listedQa(stores, digest, { observedAt, now });
      await snapshot(D1, t(0), t(0));
      const promotion = await runningPromotionRecorded(stores, 'qa');
      // listed after the tag was recorded, before the push landed
      expect((await snapshot(D1, t(3), t(3))).driftEvents).toEqual([]);
      expect(
        (await stores.tags.getCurrent(REF, 'qa', { currentTag: 'qa' }))?.digest,
      ).toBe(D2);

      await stores.queue.completePromotion(
        promotion.id,
        'worker',
        'succeeded',
        {
          now: t(5),
        },
      );
      // listed before the promotion finished, applied after it
      expect((await snapshot(D1, t(4), t(6))).driftEvents).toEqual([]);
      expect(await stores.drift.listDriftEvents()).toEqual([]);

      // listed after it finished: somebody moved the tag back
      const moved = await snapshot(D1, t(7), t(7));
      expect(moved.driftEvents).toEqual([
        expect.objectContaining({
          tag: 'qa',
          previousDigest: D2,
          newDigest: D1,
        }),
      ]);
    });

    it('keeps a new tag that a running promotion recorded and has not pushed yet', async () => {
      const { stores, knex } = await createStore(databaseId);
      await runningPromotionRecorded(stores, '2.0.0');
      // listed after the tag was recorded, before the push landed
      await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [{ tag: '1.0.0', digest: D1 }],
        observedAt: t(3),
        now: t(3),
      });
      expect(
        await knex('tag_states')
          .where({ entity_ref: REF, environment: 'qa' })
          .orderBy('tag')
          .select('tag', 'digest'),
      ).toEqual([
        { tag: '1.0.0', digest: D1 },
        { tag: '2.0.0', digest: D2 },
      ]);
    });

    it('follows the registry again, without drift, when the promotion that recorded a tag failed', async () => {
      const { stores } = await createStore(databaseId);
      await listedQa(stores, D1, { now: t(0) });
      const promotion = await runningPromotionRecorded(stores, 'qa');
      await stores.queue.completePromotion(promotion.id, 'worker', 'failed', {
        failureReason: 'the push was refused',
        now: t(3),
      });
      const result = await listedQa(stores, D1, {
        observedAt: t(4),
        now: t(4),
      });
      expect(result.driftEvents).toEqual([]);
      expect(await stores.drift.listDriftEvents()).toEqual([]);
      expect(
        (await stores.tags.getCurrent(REF, 'qa', { currentTag: 'qa' }))?.digest,
      ).toBe(D1);
      expect(await stores.tags.getVersion(REF, 'qa', D1)).toMatchObject({
        tags: ['qa'],
      });
    });

    it('resolves the current digest per the rule: current tag, then promotion, then newest', async () => {
      const { knex, stores } = await createStore(databaseId);
      const readModels = new ReadModelQueries(knex);
      /** The single read and the bulk read of the overview and status agree at every step. */
      async function current(options?: { currentTag?: string }) {
        const single = await stores.tags.getCurrent(REF, 'qa', options);
        const bulk = await readModels.entityStatus(REF, [
          { id: 'qa', currentTag: options?.currentTag },
        ]);
        expect(bulk.get('qa')?.current).toEqual(single);
        return single;
      }
      expect(await current()).toBeUndefined();

      await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [{ tag: '1.0.0', digest: D1 }],
        now: t(0),
      });
      await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [
          { tag: '1.0.0', digest: D1 },
          { tag: '1.1.0', digest: D2 },
        ],
        now: t(1),
      });
      expect(await current()).toEqual({
        digest: D2,
        tag: '1.1.0',
        since: t(1),
        by: null,
        promotionId: null,
      });
      // a configured but never recorded current tag falls through
      expect(await current({ currentTag: 'qa' })).toMatchObject({ digest: D2 });

      const promotion = await stores.promotions.createPromotion(
        promotionInput({ digest: D1, targetTag: '1.0.0', now: t(2) }),
      );
      const claimed = await stores.queue.claimNextPromotion({
        owner: 'replica-a',
        leaseMs: 60_000,
        now: t(2),
      });
      expect(claimed?.id).toBe(promotion.id);
      expect(
        await stores.queue.completePromotion(
          promotion.id,
          'replica-a',
          'succeeded',
          {
            now: t(3),
          },
        ),
      ).toBe(true);
      expect(await current()).toEqual({
        digest: D1,
        tag: '1.0.0',
        since: t(3),
        by: 'user:default/jane',
        promotionId: promotion.id,
      });

      await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [
          { tag: '1.0.0', digest: D1 },
          { tag: '1.1.0', digest: D2 },
          { tag: 'qa', digest: D3 },
        ],
        now: t(4),
      });
      expect(await current({ currentTag: 'qa' })).toEqual({
        digest: D3,
        tag: 'qa',
        since: t(4),
        by: null,
        promotionId: null,
      });
    });

    it('knows which digests were current before', async () => {
      const { stores } = await createStore(databaseId);
      await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'prod',
        observed: [{ tag: 'prod', digest: D1 }],
        now: t(0),
      });
      const promotion = await stores.promotions.createPromotion(
        promotionInput({ targetEnvironment: 'prod', digest: D2 }),
      );
      await stores.queue.claimNextPromotion({
        owner: 'r',
        leaseMs: 1000,
        now: t(1),
      });
      await stores.tags.recordPromotedTag({
        entityRef: REF,
        environment: 'prod',
        tag: 'prod',
        digest: D2,
        promotionId: promotion.id,
        now: t(2),
      });
      await stores.queue.completePromotion(promotion.id, 'r', 'succeeded', {
        now: t(2),
      });

      const opts = { currentTag: 'prod' };
      expect(await stores.tags.wasCurrentBefore(REF, 'prod', D1, opts)).toBe(
        true,
      );
      expect(await stores.tags.wasCurrentBefore(REF, 'prod', D1)).toBe(false);
      expect(await stores.tags.wasCurrentBefore(REF, 'prod', D2)).toBe(true);
      expect(await stores.tags.wasCurrentBefore(REF, 'prod', D3, opts)).toBe(
        false,
      );
      expect(await stores.tags.wasCurrentBefore(REF, 'qa', D2, opts)).toBe(
        false,
      );
      expect(await stores.tags.getCurrent(REF, 'prod', opts)).toMatchObject({
        digest: D2,
        by: 'user:default/jane',
        promotionId: promotion.id,
      });
    });

    it('reports first seen for lead time', async () => {
      const { stores } = await createStore(databaseId);
      await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'dev',
        observed: [{ tag: '1', digest: D1 }],
        now: t(0),
      });
      await stores.tags.applyTagSnapshot({
        entityRef: OTHER_REF,
        environment: 'dev',
        observed: [{ tag: '1', digest: D1 }],
        now: t(5),
      });
      expect(
        await stores.tags.listFirstSeen({
          environment: 'dev',
          digests: [D1, D2],
          entityRef: REF,
        }),
      ).toEqual([
        { entityRef: REF, environment: 'dev', digest: D1, firstSeen: t(0) },
      ]);
    });
  });
});
