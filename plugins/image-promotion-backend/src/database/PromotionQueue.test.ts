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
  t,
  promotionInput,
  storeDatabases,
} from './__testUtils__/storeTests';
import { MAX_PROMOTION_ATTEMPTS } from './PromotionQueue';

jest.setTimeout(60_000);

describe('PromotionQueue', () => {
  const { databases, createStore, createReplicas } = storeDatabases();

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('hands each queued promotion to exactly one of 10 racing claimers', async () => {
      const replicas = await createReplicas(databaseId);
      const stores = replicas[0];
      const ids = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const p = await stores.promotions.createPromotion(
          promotionInput({
            entityRef: `component:default/svc-${i}`,
            now: t(i),
          }),
        );
        ids.add(p.id);
      }
      // pending approval is not claimable
      await stores.promotions.createPromotion(
        promotionInput({ entityRef: OTHER_REF, status: 'pending_approval' }),
      );

      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          replicas[i % 2].queue.claimNextPromotion({
            owner: `replica-${i % 2}`,
            leaseMs: 60_000,
            now: t(10),
          }),
        ),
      );
      const won = claims.flatMap(c => (c ? [c] : []));
      expect(won).toHaveLength(6);
      expect(new Set(won.map(c => c.id))).toEqual(ids);
      for (const claim of won) {
        expect(claim).toMatchObject({
          status: 'copying',
          attempts: 1,
          startedAt: t(10),
          leaseExpiresAt: t(11),
        });
        const events = await stores.promotions.listPromotionEvents(claim.id);
        expect(events.map(e => [e.fromStatus, e.toStatus])).toEqual([
          [null, 'queued'],
          ['queued', 'copying'],
        ]);
      }
      expect(
        await stores.queue.claimNextPromotion({
          owner: 'replica-0',
          leaseMs: 60_000,
          now: t(10),
        }),
      ).toBeUndefined();
    });

    it('gives a promotion up when every attempt ended with its lease expiring, and releases its target', async () => {
      const { stores } = await createStore(databaseId);
      const promotion = await stores.promotions.createPromotion(
        promotionInput(),
      );
      const other = await stores.promotions.createPromotion(
        promotionInput({ targetEnvironment: 'staging', now: t(0.5) }),
      );
      // Each attempt's replica dies: the lease (one minute) expires before the next claim.
      for (let attempt = 1; attempt <= MAX_PROMOTION_ATTEMPTS; attempt++) {
        const claimed = await stores.queue.claimNextPromotion({
          owner: `replica-${attempt}`,
          leaseMs: 60_000,
          now: t(attempt * 10),
        });
        expect(claimed).toMatchObject({ id: promotion.id, attempts: attempt });
      }
      // The next claim fails it, says so, and moves on to the next queued promotion.
      const gaveUp: Array<[string, string]> = [];
      const next = await stores.queue.claimNextPromotion({
        owner: 'replica-x',
        leaseMs: 60_000,
        now: t(100),
        onGaveUp: async (id, previous) => {
          gaveUp.push([id, previous]);
        },
      });
      expect(next?.id).toBe(other.id);
      expect(gaveUp).toEqual([[promotion.id, 'copying']]);
      const failed = await stores.promotions.getPromotion(promotion.id);
      expect(failed).toMatchObject({
        status: 'failed',
        leaseOwner: null,
        finishedAt: t(100),
        attempts: MAX_PROMOTION_ATTEMPTS,
      });
      expect(failed?.failureReason).toContain(
        `Gave up after ${MAX_PROMOTION_ATTEMPTS} attempts`,
      );
      expect(failed?.failureReason).toContain(
        `replica-${MAX_PROMOTION_ATTEMPTS}`,
      );
      expect(
        await stores.promotions.getOpenPromotion(REF, 'qa'),
      ).toBeUndefined();
      // The target is free for a new request.
      await expect(
        stores.promotions.createPromotion(promotionInput({ now: t(101) })),
      ).resolves.toMatchObject({ status: 'queued' });
    });

    it('reclaims an expired lease for another replica; the old owner can no longer act', async () => {
      const { stores } = await createStore(databaseId);
      const promotion = await stores.promotions.createPromotion(
        promotionInput(),
      );
      const first = await stores.queue.claimNextPromotion({
        owner: 'replica-a',
        leaseMs: 60_000,
        now: t(1),
      });
      expect(first?.leaseOwner).toBe('replica-a');
      expect(
        await stores.queue.updateProgress(
          promotion.id,
          'replica-a',
          { bytesCopied: 1024, bytesTotal: 5_000_000_000 },
          t(1),
        ),
      ).toBe(true);
      expect(
        await stores.queue.markVerifying(promotion.id, 'replica-a', t(1)),
      ).toBe(true);
      expect(
        await stores.queue.renewLease(
          promotion.id,
          'replica-a',
          60_000,
          t(1.5),
        ),
      ).toBe(true);

      // still leased (until t(2.5)): nobody else gets it
      expect(
        await stores.queue.claimNextPromotion({
          owner: 'replica-b',
          leaseMs: 60_000,
          now: t(2),
        }),
      ).toBeUndefined();

      // replica-a died; its lease expires
      const second = await stores.queue.claimNextPromotion({
        owner: 'replica-b',
        leaseMs: 60_000,
        now: t(3),
      });
      expect(second).toMatchObject({
        id: promotion.id,
        status: 'copying',
        leaseOwner: 'replica-b',
        attempts: 2,
        startedAt: t(1),
        bytesCopied: 1024,
        bytesTotal: 5_000_000_000,
      });

      expect(
        await stores.queue.renewLease(promotion.id, 'replica-a', 60_000, t(3)),
      ).toBe(false);
      expect(
        await stores.queue.updateProgress(promotion.id, 'replica-a', {
          bytesCopied: 1,
        }),
      ).toBe(false);
      expect(
        await stores.queue.completePromotion(
          promotion.id,
          'replica-a',
          'failed',
          {
            failureReason: 'too late',
          },
        ),
      ).toBe(false);

      expect(
        await stores.queue.completePromotion(
          promotion.id,
          'replica-b',
          'succeeded',
          {
            now: t(4),
          },
        ),
      ).toBe(true);
      expect(await stores.promotions.getPromotion(promotion.id)).toMatchObject({
        status: 'succeeded',
        leaseOwner: null,
        leaseExpiresAt: null,
        finishedAt: t(4),
        failureReason: null,
      });
      expect(
        (await stores.promotions.listPromotionEvents(promotion.id)).map(e => [
          e.fromStatus,
          e.toStatus,
          e.actor,
        ]),
      ).toEqual([
        [null, 'queued', 'user:default/jane'],
        ['queued', 'copying', 'replica-a'],
        ['copying', 'verifying', 'replica-a'],
        ['verifying', 'copying', 'replica-b'],
        ['copying', 'succeeded', 'replica-b'],
      ]);
      expect(
        await stores.promotions.getOpenPromotion(REF, 'qa'),
      ).toBeUndefined();
      expect(
        await stores.promotions.listSucceededPromotions({
          since: t(0),
          environment: 'qa',
        }),
      ).toEqual([expect.objectContaining({ id: promotion.id })]);
      expect(
        await stores.promotions.listSucceededPromotions({ since: t(5) }),
      ).toEqual([]);
    });

    it('puts a claimed promotion back to wait until it is eligible, without counting the attempt', async () => {
      const { stores } = await createStore(databaseId);
      const promotion = await stores.promotions.createPromotion(
        promotionInput(),
      );
      const claimed = await stores.queue.claimNextPromotion({
        owner: 'worker',
        leaseMs: 60_000,
        now: t(1),
      });
      expect(claimed?.id).toBe(promotion.id);
      expect(
        await stores.queue.defer(
          promotion.id,
          'someone-else',
          t(30),
          'waiting for the soak',
          t(2),
        ),
      ).toBe(false);
      expect(
        await stores.queue.defer(
          promotion.id,
          'worker',
          t(30),
          'waiting for the soak',
          t(2),
        ),
      ).toBe(true);
      expect(await stores.promotions.getPromotion(promotion.id)).toMatchObject({
        status: 'queued',
        attempts: 0,
        leaseOwner: null,
      });
      expect(
        await stores.queue.claimNextPromotion({
          owner: 'worker',
          leaseMs: 60_000,
          now: t(29),
        }),
      ).toBeUndefined();
      expect(
        (
          await stores.queue.claimNextPromotion({
            owner: 'worker',
            leaseMs: 60_000,
            now: t(30),
          })
        )?.attempts,
      ).toBe(1);
      const events = await stores.promotions.listPromotionEvents(promotion.id);
      expect(events.map(e => [e.fromStatus, e.toStatus, e.message])).toEqual([
        [null, 'queued', 'ship it'],
        ['queued', 'copying', 'Claimed by worker'],
        ['copying', 'queued', 'waiting for the soak'],
        ['queued', 'copying', 'Claimed by worker'],
      ]);
    });
  });
});
