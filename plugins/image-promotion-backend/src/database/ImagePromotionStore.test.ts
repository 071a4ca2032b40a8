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
import {
  ImagePromotionStore,
  MAX_PROMOTION_ATTEMPTS,
} from './ImagePromotionStore';
import { DuplicateApprovalError, OpenPromotionExistsError } from './errors';
import { NewPromotion } from './types';

jest.setTimeout(60_000);

const REF = 'component:default/payments';
const OTHER_REF = 'component:default/billing';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;

const t = (minutes: number) =>
  new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + minutes * 60_000);

function promotionInput(overrides?: Partial<NewPromotion>): NewPromotion {
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

describe('ImagePromotionStore', () => {
  // Registered before TestDatabases' own cleanup, which drops the databases
  // and cannot while these connections are open.
  const extraConnections: Knex[] = [];
  afterAll(async () => {
    await Promise.all(extraConnections.map(k => k.destroy()));
  });

  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  async function createStore(databaseId: string) {
    const knex = await databases.init(
      databaseId as Parameters<typeof databases.init>[0],
    );
    const store = await ImagePromotionStore.create({
      database: mockServices.database({ knex }),
    });
    return { knex, store };
  }

  /**
   * Two stores as two backend replicas would have them: on PostgreSQL each
   * with its own connection pool to the same database; SQLite in memory has
   * only the one connection.
   */
  async function createReplicas(databaseId: string) {
    const { knex, store } = await createStore(databaseId);
    if (!databaseId.startsWith('POSTGRES')) {
      return [store, store];
    }
    const other: Knex = knexFactory({
      ...knex.client.config,
      pool: { min: 0, max: 5 },
    });
    extraConnections.push(other);
    const otherStore = await ImagePromotionStore.create({
      database: mockServices.database({ knex: other }),
      skipMigrations: true,
    });
    return [store, otherStore];
  }

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('upserts, filters and prunes tracked components', async () => {
      const { store } = await createStore(databaseId);
      await store.upsertComponents([
        {
          entityRef: REF,
          image: 'payments',
          pipeline: 'default',
          owner: 'group:default/team-a',
          lifecycle: 'production',
        },
        {
          entityRef: OTHER_REF,
          image: 'billing',
          pipeline: 'default',
          owner: 'group:default/team-b',
          tagPattern: '^v\\d+',
        },
      ]);
      await store.upsertComponents([
        {
          entityRef: REF,
          image: 'payments-api',
          pipeline: 'default',
          owner: 'group:default/team-a',
          title: 'Payments',
        },
      ]);

      const all = await store.listComponents();
      expect(all.map(c => c.entityRef)).toEqual([OTHER_REF, REF]);
      expect(all[1]).toMatchObject({
        image: 'payments-api',
        title: 'Payments',
        lifecycle: null,
      });
      expect(all[1].updatedAt).toBeInstanceOf(Date);
      expect(
        await store.listComponents({ owner: ['group:default/team-b'] }),
      ).toEqual([expect.objectContaining({ tagPattern: '^v\\d+' })]);

      expect(await store.removeComponentsNotIn([REF])).toBe(1);
      expect((await store.listComponents()).map(c => c.entityRef)).toEqual([
        REF,
      ]);
    });

    it('records versions and tags from a snapshot', async () => {
      const { store } = await createStore(databaseId);
      const first = await store.applyTagSnapshot({
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

      const second = await store.applyTagSnapshot({
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

      const versions = await store.listVersions(REF, 'dev');
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
      expect((await store.listTagStates(REF, 'dev')).map(s => s.tag)).toEqual([
        '1.0.0',
        '1.1.0',
        '1.2.0',
      ]);

      // every tag gone: versions stay known, without tags
      await store.applyTagSnapshot({
        entityRef: REF,
        environment: 'dev',
        observed: [],
        now: t(20),
      });
      const after = await store.listVersions(REF, 'dev');
      expect(after).toHaveLength(3);
      expect(after.every(v => v.tags.length === 0)).toBe(true);
      expect(await store.listTagStates(REF, 'dev')).toEqual([]);
    });

    it('applies overlapping snapshots of one environment one after the other', async () => {
      const [a, b] = await createReplicas(databaseId);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? b : a).applyTagSnapshot({
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
      expect(await a.listVersions(REF, 'dev')).toEqual([
        expect.objectContaining({ digest: D1, tags: ['1.0.0', 'latest'] }),
      ]);
    });

    it('detects drift when a tag moves without a promotion, until acknowledged', async () => {
      const { store } = await createStore(databaseId);
      await store.applyTagSnapshot({
        entityRef: REF,
        environment: 'prod',
        observed: [{ tag: 'prod', digest: D1 }],
        now: t(0),
      });
      const { driftEvents } = await store.applyTagSnapshot({
        entityRef: REF,
        environment: 'prod',
        observed: [{ tag: 'prod', digest: D2 }],
        now: t(5),
      });
      expect(driftEvents).toEqual([
        {
          id: expect.any(String),
          entityRef: REF,
          environment: 'prod',
          tag: 'prod',
          previousDigest: D1,
          newDigest: D2,
          detectedAt: t(5),
          acknowledgedAt: null,
          acknowledgedBy: null,
          acknowledgeComment: null,
        },
      ]);
      // the moved tag is now the recorded state: no second event
      const again = await store.applyTagSnapshot({
        entityRef: REF,
        environment: 'prod',
        observed: [{ tag: 'prod', digest: D2 }],
        now: t(6),
      });
      expect(again.driftEvents).toEqual([]);
      expect(
        (await store.listVersions(REF, 'prod')).map(v => [v.digest, v.tags]),
      ).toEqual([
        [D2, ['prod']],
        [D1, []],
      ]);

      expect(
        await store.listDriftEvents({ entityRef: REF, environment: 'prod' }),
      ).toEqual(driftEvents);
      expect(await store.listDriftEvents({ environment: 'qa' })).toEqual([]);

      const id = driftEvents[0].id;
      expect(await store.acknowledgeDrift(id, 'user:default/ops', t(7))).toBe(
        true,
      );
      expect(await store.acknowledgeDrift(id, 'user:default/ops')).toBe(false);
      expect(await store.listDriftEvents({ entityRef: REF })).toEqual([]);
      expect(
        await store.listDriftEvents({
          entityRef: REF,
          includeAcknowledged: true,
        }),
      ).toEqual([
        expect.objectContaining({
          id,
          acknowledgedAt: t(7),
          acknowledgedBy: 'user:default/ops',
        }),
      ]);
    });

    it('does not report a tag moved by a promotion as drift', async () => {
      const { store } = await createStore(databaseId);
      await store.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [{ tag: 'qa', digest: D1 }],
        now: t(0),
      });
      const promotion = await store.createPromotion(
        promotionInput({ digest: D2, targetTag: 'qa' }),
      );
      await store.recordPromotedTag({
        entityRef: REF,
        environment: 'qa',
        tag: 'qa',
        digest: D2,
        promotionId: promotion.id,
        now: t(3),
      });
      // a listing that started before the promotion recorded its tag
      const stale = await store.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [{ tag: 'qa', digest: D1 }],
        observedAt: t(2),
        now: t(4),
      });
      expect(stale.driftEvents).toEqual([]);
      const fresh = await store.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [{ tag: 'qa', digest: D2 }],
        now: t(5),
      });
      expect(fresh).toEqual({ newDigests: [], driftEvents: [] });
      expect(await store.listDriftEvents()).toEqual([]);
      expect(await store.getVersion(REF, 'qa', D2)).toMatchObject({
        tags: ['qa'],
        origin: 'promotion',
        promotionId: promotion.id,
        firstSeen: t(3),
      });
      expect(await store.getVersion(REF, 'qa', D1)).toMatchObject({
        tags: [],
      });
    });

    /** Tracking listed qa holding `digest` at its tag "qa". */
    function listedQa(
      store: ImagePromotionStore,
      digest: string,
      times: { observedAt?: Date; now: Date },
    ) {
      return store.applyTagSnapshot({
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
      store: ImagePromotionStore,
      tag: string,
    ) {
      const promotion = await store.createPromotion(
        promotionInput({ digest: D2, targetTag: tag, now: t(1) }),
      );
      await store.claimNextPromotion({
        owner: 'worker',
        leaseMs: 60 * 60_000,
        now: t(1),
      });
      await store.recordPromotedTag({
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
      const { store } = await createStore(databaseId);
      const snapshot = (digest: string, observedAt: Date, now: Date) =>
        listedQa(store, digest, { observedAt, now });
      await snapshot(D1, t(0), t(0));
      const promotion = await runningPromotionRecorded(store, 'qa');
      // listed after the tag was recorded, before the push landed
      expect((await snapshot(D1, t(3), t(3))).driftEvents).toEqual([]);
      expect(
        (await store.getCurrent(REF, 'qa', { currentTag: 'qa' }))?.digest,
      ).toBe(D2);

      await store.completePromotion(promotion.id, 'worker', 'succeeded', {
        now: t(5),
      });
      // listed before the promotion finished, applied after it
      expect((await snapshot(D1, t(4), t(6))).driftEvents).toEqual([]);
      expect(await store.listDriftEvents()).toEqual([]);

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
      const { store, knex } = await createStore(databaseId);
      await runningPromotionRecorded(store, '2.0.0');
      // listed after the tag was recorded, before the push landed
      await store.applyTagSnapshot({
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
      const { store } = await createStore(databaseId);
      await listedQa(store, D1, { now: t(0) });
      const promotion = await runningPromotionRecorded(store, 'qa');
      await store.completePromotion(promotion.id, 'worker', 'failed', {
        failureReason: 'the push was refused',
        now: t(3),
      });
      const result = await listedQa(store, D1, {
        observedAt: t(4),
        now: t(4),
      });
      expect(result.driftEvents).toEqual([]);
      expect(await store.listDriftEvents()).toEqual([]);
      expect(
        (await store.getCurrent(REF, 'qa', { currentTag: 'qa' }))?.digest,
      ).toBe(D1);
      expect(await store.getVersion(REF, 'qa', D1)).toMatchObject({
        tags: ['qa'],
      });
    });

    it('resolves the current digest per the rule: current tag, then promotion, then newest', async () => {
      const { store } = await createStore(databaseId);
      expect(await store.getCurrent(REF, 'qa')).toBeUndefined();

      await store.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [{ tag: '1.0.0', digest: D1 }],
        now: t(0),
      });
      await store.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [
          { tag: '1.0.0', digest: D1 },
          { tag: '1.1.0', digest: D2 },
        ],
        now: t(1),
      });
      expect(await store.getCurrent(REF, 'qa')).toEqual({
        digest: D2,
        tag: '1.1.0',
        since: t(1),
        by: null,
        promotionId: null,
      });
      // a configured but never recorded current tag falls through
      expect(
        await store.getCurrent(REF, 'qa', { currentTag: 'qa' }),
      ).toMatchObject({ digest: D2 });

      const promotion = await store.createPromotion(
        promotionInput({ digest: D1, targetTag: '1.0.0', now: t(2) }),
      );
      const claimed = await store.claimNextPromotion({
        owner: 'replica-a',
        leaseMs: 60_000,
        now: t(2),
      });
      expect(claimed?.id).toBe(promotion.id);
      expect(
        await store.completePromotion(promotion.id, 'replica-a', 'succeeded', {
          now: t(3),
        }),
      ).toBe(true);
      expect(await store.getCurrent(REF, 'qa')).toEqual({
        digest: D1,
        tag: '1.0.0',
        since: t(3),
        by: 'user:default/jane',
        promotionId: promotion.id,
      });

      await store.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [
          { tag: '1.0.0', digest: D1 },
          { tag: '1.1.0', digest: D2 },
          { tag: 'qa', digest: D3 },
        ],
        now: t(4),
      });
      expect(await store.getCurrent(REF, 'qa', { currentTag: 'qa' })).toEqual({
        digest: D3,
        tag: 'qa',
        since: t(4),
        by: null,
        promotionId: null,
      });
    });

    it('knows which digests were current before', async () => {
      const { store } = await createStore(databaseId);
      await store.applyTagSnapshot({
        entityRef: REF,
        environment: 'prod',
        observed: [{ tag: 'prod', digest: D1 }],
        now: t(0),
      });
      const promotion = await store.createPromotion(
        promotionInput({ targetEnvironment: 'prod', digest: D2 }),
      );
      await store.claimNextPromotion({ owner: 'r', leaseMs: 1000, now: t(1) });
      await store.recordPromotedTag({
        entityRef: REF,
        environment: 'prod',
        tag: 'prod',
        digest: D2,
        promotionId: promotion.id,
        now: t(2),
      });
      await store.completePromotion(promotion.id, 'r', 'succeeded', {
        now: t(2),
      });

      const opts = { currentTag: 'prod' };
      expect(await store.wasCurrentBefore(REF, 'prod', D1, opts)).toBe(true);
      expect(await store.wasCurrentBefore(REF, 'prod', D1)).toBe(false);
      expect(await store.wasCurrentBefore(REF, 'prod', D2)).toBe(true);
      expect(await store.wasCurrentBefore(REF, 'prod', D3, opts)).toBe(false);
      expect(await store.wasCurrentBefore(REF, 'qa', D2, opts)).toBe(false);
      expect(await store.getCurrent(REF, 'prod', opts)).toMatchObject({
        digest: D2,
        by: 'user:default/jane',
        promotionId: promotion.id,
      });
    });

    it('creates promotions and records every transition', async () => {
      const { store } = await createStore(databaseId);
      const created = await store.createPromotion(
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
      expect(await store.getPromotion(created.id)).toEqual(created);
      expect(await store.getOpenPromotion(REF, 'qa')).toEqual(created);

      expect(
        await store.transition(created.id, {
          from: ['queued'],
          to: 'copying',
          actor: 'x',
        }),
      ).toBe(false);
      expect(
        await store.transition(created.id, {
          from: ['pending_approval'],
          to: 'queued',
          actor: 'user:default/approver',
          message: 'Approved',
          now: t(30),
        }),
      ).toBe(true);
      expect(
        await store.transition(created.id, {
          from: ['pending_approval', 'queued'],
          to: 'cancelled',
          actor: 'user:default/jane',
          now: t(31),
        }),
      ).toBe(true);
      expect(
        await store.transition(created.id, {
          from: ['pending_approval', 'queued'],
          to: 'cancelled',
          actor: 'user:default/jane',
        }),
      ).toBe(false);
      expect(
        await store.transition('no-such-id', {
          from: ['queued'],
          to: 'cancelled',
          actor: 'x',
        }),
      ).toBe(false);

      expect(await store.getPromotion(created.id)).toMatchObject({
        status: 'cancelled',
        finishedAt: t(31),
      });
      expect(await store.getOpenPromotion(REF, 'qa')).toBeUndefined();
      expect(
        (await store.listPromotionEvents(created.id)).map(e => [
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
      expect(await store.listApprovalWaits({ since: t(0) })).toEqual([
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
        store.createPromotion(promotionInput()),
      ).resolves.toMatchObject({ status: 'queued' });
    });

    it('lets exactly one of 20 concurrent requests for one target through', async () => {
      const replicas = await createReplicas(databaseId);
      const store = replicas[0];
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          replicas[i % 2].createPromotion(
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
      const page = await store.listPromotions({ limit: 50 });
      expect(page.totalCount).toBe(1);
      // another target of the same component is independent
      await expect(
        store.createPromotion(promotionInput({ targetEnvironment: 'staging' })),
      ).resolves.toBeDefined();
    });

    it('stores one decision per approver', async () => {
      const { store } = await createStore(databaseId);
      const promotion = await store.createPromotion(
        promotionInput({ status: 'pending_approval' }),
      );
      await store.addApproval({
        promotionId: promotion.id,
        approver: 'user:default/a',
        digest: D1,
        decision: 'approved',
        comment: 'lgtm',
        at: t(1),
      });
      await store.addApproval({
        promotionId: promotion.id,
        approver: 'user:default/b',
        digest: D1,
        decision: 'rejected',
        at: t(2),
      });
      await expect(
        store.addApproval({
          promotionId: promotion.id,
          approver: 'user:default/a',
          digest: D1,
          decision: 'rejected',
        }),
      ).rejects.toBeInstanceOf(DuplicateApprovalError);
      expect(await store.listApprovals(promotion.id)).toEqual([
        {
          promotionId: promotion.id,
          approver: 'user:default/a',
          digest: D1,
          decision: 'approved',
          comment: 'lgtm',
          at: t(1),
        },
        {
          promotionId: promotion.id,
          approver: 'user:default/b',
          digest: D1,
          decision: 'rejected',
          comment: null,
          at: t(2),
        },
      ]);
    });

    it('hands each queued promotion to exactly one of 10 racing claimers', async () => {
      const replicas = await createReplicas(databaseId);
      const store = replicas[0];
      const ids = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const p = await store.createPromotion(
          promotionInput({
            entityRef: `component:default/svc-${i}`,
            now: t(i),
          }),
        );
        ids.add(p.id);
      }
      // pending approval is not claimable
      await store.createPromotion(
        promotionInput({ entityRef: OTHER_REF, status: 'pending_approval' }),
      );

      const claims = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          replicas[i % 2].claimNextPromotion({
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
        const events = await store.listPromotionEvents(claim.id);
        expect(events.map(e => [e.fromStatus, e.toStatus])).toEqual([
          [null, 'queued'],
          ['queued', 'copying'],
        ]);
      }
      expect(
        await store.claimNextPromotion({
          owner: 'replica-0',
          leaseMs: 60_000,
          now: t(10),
        }),
      ).toBeUndefined();
    });

    it('gives a promotion up when every attempt ended with its lease expiring, and releases its target', async () => {
      const { store } = await createStore(databaseId);
      const promotion = await store.createPromotion(promotionInput());
      const other = await store.createPromotion(
        promotionInput({ targetEnvironment: 'staging', now: t(0.5) }),
      );
      // Each attempt's replica dies: the lease (one minute) expires before the next claim.
      for (let attempt = 1; attempt <= MAX_PROMOTION_ATTEMPTS; attempt++) {
        const claimed = await store.claimNextPromotion({
          owner: `replica-${attempt}`,
          leaseMs: 60_000,
          now: t(attempt * 10),
        });
        expect(claimed).toMatchObject({ id: promotion.id, attempts: attempt });
      }
      // The next claim fails it and moves on to the next queued promotion.
      const next = await store.claimNextPromotion({
        owner: 'replica-x',
        leaseMs: 60_000,
        now: t(100),
      });
      expect(next?.id).toBe(other.id);
      const failed = await store.getPromotion(promotion.id);
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
      expect(await store.getOpenPromotion(REF, 'qa')).toBeUndefined();
      // The target is free for a new request.
      await expect(
        store.createPromotion(promotionInput({ now: t(101) })),
      ).resolves.toMatchObject({ status: 'queued' });
    });

    it('reclaims an expired lease for another replica; the old owner can no longer act', async () => {
      const { store } = await createStore(databaseId);
      const promotion = await store.createPromotion(promotionInput());
      const first = await store.claimNextPromotion({
        owner: 'replica-a',
        leaseMs: 60_000,
        now: t(1),
      });
      expect(first?.leaseOwner).toBe('replica-a');
      expect(
        await store.updateProgress(
          promotion.id,
          'replica-a',
          { bytesCopied: 1024, bytesTotal: 5_000_000_000 },
          t(1),
        ),
      ).toBe(true);
      expect(await store.markVerifying(promotion.id, 'replica-a', t(1))).toBe(
        true,
      );
      expect(
        await store.renewLease(promotion.id, 'replica-a', 60_000, t(1.5)),
      ).toBe(true);

      // still leased (until t(2.5)): nobody else gets it
      expect(
        await store.claimNextPromotion({
          owner: 'replica-b',
          leaseMs: 60_000,
          now: t(2),
        }),
      ).toBeUndefined();

      // replica-a died; its lease expires
      const second = await store.claimNextPromotion({
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
        await store.renewLease(promotion.id, 'replica-a', 60_000, t(3)),
      ).toBe(false);
      expect(
        await store.updateProgress(promotion.id, 'replica-a', {
          bytesCopied: 1,
        }),
      ).toBe(false);
      expect(
        await store.completePromotion(promotion.id, 'replica-a', 'failed', {
          failureReason: 'too late',
        }),
      ).toBe(false);

      expect(
        await store.completePromotion(promotion.id, 'replica-b', 'succeeded', {
          now: t(4),
        }),
      ).toBe(true);
      expect(await store.getPromotion(promotion.id)).toMatchObject({
        status: 'succeeded',
        leaseOwner: null,
        leaseExpiresAt: null,
        finishedAt: t(4),
        failureReason: null,
      });
      expect(
        (await store.listPromotionEvents(promotion.id)).map(e => [
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
      expect(await store.getOpenPromotion(REF, 'qa')).toBeUndefined();
      expect(
        await store.listSucceededPromotions({ since: t(0), environment: 'qa' }),
      ).toEqual([expect.objectContaining({ id: promotion.id })]);
      expect(await store.listSucceededPromotions({ since: t(5) })).toEqual([]);
    });

    it('pages through promotions newest first by cursor and offset', async () => {
      const { store } = await createStore(databaseId);
      const created = [];
      for (let i = 0; i < 7; i++) {
        const p = await store.createPromotion(
          promotionInput({
            entityRef: `component:default/svc-${i}`,
            targetEnvironment: i % 2 ? 'qa' : 'staging',
            // two promotions share each timestamp to exercise the tie-break
            now: t(Math.floor(i / 2)),
          }),
        );
        created.push(p);
      }
      await store.transition(created[0].id, {
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
        const page = await store.listPromotions({ limit: 3, cursor });
        expect(page.totalCount).toBe(7);
        seen.push(...page.items.map(p => p.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(expected);

      const second = await store.listPromotions({ limit: 3, offset: 3 });
      expect(second.items.map(p => p.id)).toEqual(expected.slice(3, 6));

      const qa = await store.listPromotions({ limit: 10, environment: 'qa' });
      expect(qa.totalCount).toBe(3);
      const open = await store.listPromotions({
        limit: 10,
        status: ['queued'],
        entityRef: 'component:default/svc-0',
      });
      expect(open).toEqual({ items: [], totalCount: 0, nextCursor: undefined });

      await expect(
        store.listPromotions({ limit: 3, cursor: 'garbage' }),
      ).rejects.toThrow(/Invalid cursor/);
    });

    it('reports first seen for lead time', async () => {
      const { store } = await createStore(databaseId);
      await store.applyTagSnapshot({
        entityRef: REF,
        environment: 'dev',
        observed: [{ tag: '1', digest: D1 }],
        now: t(0),
      });
      await store.applyTagSnapshot({
        entityRef: OTHER_REF,
        environment: 'dev',
        observed: [{ tag: '1', digest: D1 }],
        now: t(5),
      });
      expect(
        await store.listFirstSeen({
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
