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
  t,
  promotionInput,
  storeDatabases,
} from './__testUtils__/storeTests';
import { OpenPromotionExistsError } from './errors';

jest.setTimeout(60_000);

describe('PromotionStore', () => {
  const { databases, createStore, createReplicas } = storeDatabases();

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('creates promotions and records every transition', async () => {
      const { stores } = await createStore(databaseId);
      const created = await stores.promotions.createPromotion(
        promotionInput({ status: 'pending_approval', isRollback: true }),
      );
      expect(created).toMatchObject({
        entityRef: REF,
        status: 'pending_approval',
        isRollback: true,
        bytesCopied: 0,
        bytesTotal: null,
        attempts: 0,
        createdAt: t(0),
        gateResults: [
          { gate: 'order', passed: true, message: 'Current in dev' },
        ],
      });
      expect(await stores.promotions.getPromotion(created.id)).toEqual(created);
      expect(await stores.promotions.getOpenPromotion(REF, 'qa')).toEqual(
        created,
      );

      expect(
        await stores.promotions.transition(created.id, {
          from: ['queued'],
          to: 'copying',
          actor: 'x',
        }),
      ).toBe(false);
      expect(
        await stores.promotions.transition(created.id, {
          from: ['pending_approval'],
          to: 'queued',
          actor: 'user:default/approver',
          message: 'Approved',
          now: t(30),
        }),
      ).toBe(true);
      expect(
        await stores.promotions.transition(created.id, {
          from: ['pending_approval', 'queued'],
          to: 'cancelled',
          actor: 'user:default/jane',
          now: t(31),
        }),
      ).toBe(true);
      expect(
        await stores.promotions.transition(created.id, {
          from: ['pending_approval', 'queued'],
          to: 'cancelled',
          actor: 'user:default/jane',
        }),
      ).toBe(false);
      expect(
        await stores.promotions.transition('no-such-id', {
          from: ['queued'],
          to: 'cancelled',
          actor: 'x',
        }),
      ).toBe(false);

      expect(await stores.promotions.getPromotion(created.id)).toMatchObject({
        status: 'cancelled',
        finishedAt: t(31),
      });
      expect(
        await stores.promotions.getOpenPromotion(REF, 'qa'),
      ).toBeUndefined();
      expect(
        (await stores.promotions.listPromotionEvents(created.id)).map(e => [
          e.fromStatus,
          e.toStatus,
          e.actor,
          e.message,
          e.at,
        ]),
      ).toEqual([
        [null, 'pending_approval', 'user:default/jane', 'ship it', t(0)],
        [
          'pending_approval',
          'queued',
          'user:default/approver',
          'Approved',
          t(30),
        ],
        ['queued', 'cancelled', 'user:default/jane', null, t(31)],
      ]);
      expect(
        await stores.promotions.listApprovalWaits({ since: t(0) }),
      ).toEqual([
        {
          promotionId: created.id,
          entityRef: REF,
          targetEnvironment: 'qa',
          createdAt: t(0),
          queuedAt: t(30),
        },
      ]);

      // the terminal transition released the target for the next promotion
      await expect(
        stores.promotions.createPromotion(promotionInput()),
      ).resolves.toMatchObject({ status: 'queued' });
    });

    it('lets exactly one of 20 concurrent requests for one target through', async () => {
      const replicas = await createReplicas(databaseId);
      const stores = replicas[0];
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          replicas[i % 2].promotions.createPromotion(
            promotionInput({ requestedBy: `user:default/u${i}` }),
          ),
        ),
      );
      const created = results.flatMap(r =>
        r.status === 'fulfilled' ? [r.value] : [],
      );
      const refused = results.flatMap(r =>
        r.status === 'rejected' ? [r.reason] : [],
      );
      expect(created).toHaveLength(1);
      expect(refused).toHaveLength(19);
      for (const error of refused) {
        expect(error).toBeInstanceOf(OpenPromotionExistsError);
        expect(error.openPromotionId).toBe(created[0].id);
        expect(error.name).toBe('ConflictError');
      }
      const page = await stores.promotions.listPromotions({ limit: 50 });
      expect(page.totalCount).toBe(1);
      // another target of the same component is independent
      await expect(
        stores.promotions.createPromotion(
          promotionInput({ targetEnvironment: 'staging' }),
        ),
      ).resolves.toBeDefined();
    });

    it('pages through promotions newest first by cursor and offset', async () => {
      const { stores } = await createStore(databaseId);
      const created = [];
      for (let i = 0; i < 7; i++) {
        const p = await stores.promotions.createPromotion(
          promotionInput({
            entityRef: `component:default/svc-${i}`,
            targetEnvironment: i % 2 ? 'qa' : 'staging',
            // two promotions share each timestamp to exercise the tie-break
            now: t(Math.floor(i / 2)),
          }),
        );
        created.push(p);
      }
      await stores.promotions.transition(created[0].id, {
        from: ['queued'],
        to: 'cancelled',
        actor: 'x',
      });
      const expected = [...created]
        .sort(
          (a, b) =>
            b.createdAt.getTime() - a.createdAt.getTime() ||
            (a.id < b.id ? 1 : -1),
        )
        .map(p => p.id);

      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await stores.promotions.listPromotions({
          limit: 3,
          cursor,
        });
        expect(page.totalCount).toBe(7);
        seen.push(...page.items.map(p => p.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(expected);

      const second = await stores.promotions.listPromotions({
        limit: 3,
        offset: 3,
      });
      expect(second.items.map(p => p.id)).toEqual(expected.slice(3, 6));

      const qa = await stores.promotions.listPromotions({
        limit: 10,
        environment: 'qa',
      });
      expect(qa.totalCount).toBe(3);
      const open = await stores.promotions.listPromotions({
        limit: 10,
        status: ['queued'],
        entityRef: 'component:default/svc-0',
      });
      expect(open).toEqual({ items: [], totalCount: 0, nextCursor: undefined });

      await expect(
        stores.promotions.listPromotions({ limit: 3, cursor: 'garbage' }),
      ).rejects.toThrow(/Invalid cursor/);
    });
  });
});
