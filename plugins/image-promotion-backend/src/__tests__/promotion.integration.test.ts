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

import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TestDatabases } from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/config';
import { ConflictError, NotAllowedError } from '@backstage/errors';
import { knex as createKnex, Knex } from 'knex';
import { createStores, Promotion } from '../database';
import type { PolicyGateResult } from '../policy';
import {
  PromotionRequest,
  PolicyRefusedError,
} from '../promotion/PromotionService';
import {
  FaultProxy,
  isBlobGet,
  makeTempDir,
  removeTempDir,
  skopeoCopyToDir,
  skopeoInspectRawDigest,
  startFaultProxy,
  startRegistry,
  TestRegistry,
} from '../__testUtils__/harness';
import {
  buildConfig,
  componentEntity,
  componentRef,
  createReplica,
  createStore,
  DatabaseId,
  pushImage,
  rawConfig,
  Replica,
  TestConfigOptions,
  user,
  waitFor,
} from '../__testUtils__/integrationRig';
import type { WorkerProcessEvent } from '../__testUtils__/workerProcess';

jest.setTimeout(180_000);

type Policies = Partial<Record<'qa' | 'staging' | 'prod', JsonObject>>;

const jane = user('jane');
const bob = user('bob');

/** The failed gates of a policy refusal; fails the test on any other outcome. */
async function refusal(promise: Promise<unknown>): Promise<PolicyGateResult[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PolicyRefusedError);
  return (error as PolicyRefusedError).gates.filter(g => !g.passed);
}

describe('promotions against real registries', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  /** The dev registry; qa, staging and prod share a second one, one repository prefix each. */
  let dev: TestRegistry;
  let shared: TestRegistry;
  /** In front of dev, to slow a copy down at will. */
  let devProxy: FaultProxy;
  const tempDirs: string[] = [];

  const pipeline = (
    policies: Policies = {},
    devHost = dev.host,
  ): TestConfigOptions => ({
    registries: { dev: devHost, shared: shared.host },
    environments: [
      { id: 'dev', registry: 'dev', currentTag: 'dev' },
      ...(['qa', 'staging', 'prod'] as const).map(id => ({
        id,
        registry: 'shared',
        repository: `${id}/{{ image }}`,
        currentTag: id,
        ...(policies[id] ? { policy: policies[id] } : {}),
      })),
    ],
  });

  const uniqueName = () => `svc-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    [dev, shared] = await Promise.all([startRegistry(), startRegistry()]);
    devProxy = await startFaultProxy(dev.host);
  });

  afterEach(() => devProxy.reset());

  afterAll(async () => {
    await devProxy?.stop();
    await Promise.all([dev?.stop(), shared?.stop()]);
    await Promise.all(tempDirs.map(removeTempDir));
  });

  /** The digest a tag has in an environment's repository, read with skopeo. */
  const digestIn = (environment: string, name: string, tag: string) =>
    skopeoInspectRawDigest(
      environment === 'dev'
        ? `${dev.host}/${name}:${tag}`
        : `${shared.host}/${environment}/${name}:${tag}`,
    );

  describe.each(databases.eachSupportedId())('on %p', id => {
    const databaseId = id as DatabaseId;

    /** Components with `1.0.0` (also tagged `dev`) in dev, tracked in a fresh database. */
    async function setup(
      options: {
        policies?: Policies;
        devHost?: string;
        now?: () => Date;
        components?: number;
        layerSize?: number;
      } = {},
    ) {
      const names = Array.from({ length: options.components ?? 1 }, uniqueName);
      const digests = new Map<string, string>();
      for (const name of names) {
        digests.set(
          name,
          await pushImage(`${dev.host}/${name}`, ['1.0.0', 'dev'], {
            layerSize: options.layerSize,
          }),
        );
      }
      const { knex, stores } = await createStore(databases, databaseId);
      const raw = rawConfig(pipeline(options.policies, options.devHost));
      const entities = names.map(n => componentEntity(n));
      const replica = createReplica({
        config: buildConfig(raw),
        stores,
        entities,
        now: options.now,
      });
      await replica.tracker.refreshAll();
      const name = names[0];
      return {
        replica,
        knex,
        raw,
        entities,
        names,
        digests,
        name,
        ref: componentRef(name),
        digest: digests.get(name)!,
      };
    }

    /** Requests a promotion and runs it on one worker of the replica. */
    async function promote(
      replica: Replica,
      request: PromotionRequest,
    ): Promise<Promotion> {
      const created = await replica.service.request(request, jane);
      expect(created.status).toBe('queued');
      expect(await replica.worker().runOnce()).toBe(true);
      const done = await replica.stores.promotions.getPromotion(created.id);
      expect(done).toMatchObject({ status: 'succeeded', failureReason: null });
      return done!;
    }

    it('copies dev → qa between two registries: same digest, current tag moved, version recorded', async () => {
      const { replica, name, ref, digest } = await setup();

      const created = await replica.service.request(
        { entityRef: ref, targetEnvironment: 'qa', sourceTag: '1.0.0' },
        jane,
      );
      expect(created).toMatchObject({
        status: 'queued',
        sourceEnvironment: 'dev',
        digest,
        targetTag: '1.0.0',
      });
      expect(created.gateResults.every(g => g.passed)).toBe(true);
      expect(await replica.worker().runOnce()).toBe(true);

      const done = await replica.stores.promotions.getPromotion(created.id);
      expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(await digestIn('qa', name, '1.0.0')).toBe(digest);
      expect(await digestIn('qa', name, 'qa')).toBe(digest);
      // Every blob arrived and verifies.
      const dir = makeTempDir('promoted');
      tempDirs.push(dir);
      await skopeoCopyToDir(`${shared.host}/qa/${name}:qa`, join(dir, 'image'));

      expect(
        await replica.stores.tags.getVersion(ref, 'qa', digest),
      ).toMatchObject({
        origin: 'promotion',
        promotionId: created.id,
        tags: ['1.0.0', 'qa'],
      });
      expect(
        await replica.stores.tags.getCurrent(ref, 'qa', { currentTag: 'qa' }),
      ).toMatchObject({
        digest,
        by: jane.userEntityRef,
        promotionId: created.id,
      });
      const events = await replica.stores.promotions.listPromotionEvents(
        created.id,
      );
      expect(events.map(e => [e.fromStatus, e.toStatus])).toEqual([
        [null, 'queued'],
        ['queued', 'copying'],
        ['copying', 'verifying'],
        ['verifying', 'succeeded'],
      ]);
      // Tracking afterwards agrees and sees no drift.
      const [tracked] = await replica.tracker.refreshAll();
      expect(tracked.environments.map(e => e.drift)).toEqual([0, 0, 0, 0]);
    });

    it('refuses a digest that is not in the previous environment, and skipping an environment', async () => {
      const { replica, ref, digest } = await setup();

      const notInQa = await refusal(
        replica.service.request(
          // Without targetTag the service answers 400 before policy: the digest has no tag in qa.
          {
            entityRef: ref,
            targetEnvironment: 'staging',
            digest,
            targetTag: '1.0.0',
          },
          jane,
        ),
      );
      expect(notInQa.map(g => g.gate)).toEqual(['order']);

      const skipping = await refusal(
        replica.service.request(
          {
            entityRef: ref,
            targetEnvironment: 'staging',
            sourceEnvironment: 'dev',
            sourceTag: '1.0.0',
          },
          jane,
        ),
      );
      expect(skipping).toEqual([
        expect.objectContaining({
          gate: 'order',
          message: expect.stringContaining('skip qa'),
        }),
      ]);
      expect(
        (
          await replica.stores.promotions.listPromotions({
            entityRef: ref,
            limit: 10,
          })
        ).totalCount,
      ).toBe(0);
    });

    it('waits for an approval, never from the requester, and copies once someone else approves', async () => {
      const { replica, name, ref, digest } = await setup({
        policies: { prod: { approvals: 1 } },
      });
      await promote(replica, {
        entityRef: ref,
        targetEnvironment: 'qa',
        digest,
      });
      await promote(replica, {
        entityRef: ref,
        targetEnvironment: 'staging',
        digest,
      });

      const pending = await replica.service.request(
        { entityRef: ref, targetEnvironment: 'prod', digest },
        jane,
      );
      expect(pending.status).toBe('pending_approval');
      expect(pending.targetTag).toBe('1.0.0');
      const worker = replica.worker();
      expect(await worker.runOnce()).toBe(false);

      await expect(replica.service.approve(pending.id, jane)).rejects.toThrow(
        NotAllowedError,
      );
      expect(await replica.stores.approvals.listApprovals(pending.id)).toEqual(
        [],
      );
      expect(
        (await replica.stores.promotions.getPromotion(pending.id))?.status,
      ).toBe('pending_approval');

      const approved = await replica.service.approve(pending.id, bob, 'LGTM');
      expect(approved.status).toBe('queued');
      expect(await worker.runOnce()).toBe(true);
      expect(
        (await replica.stores.promotions.getPromotion(pending.id))?.status,
      ).toBe('succeeded');
      expect(await digestIn('prod', name, 'prod')).toBe(digest);
    });

    it('accepts a request during the soak and starts the copy only once the soak has passed', async () => {
      let clock = new Date();
      const { replica, name, ref, digest } = await setup({
        policies: { staging: { soakTime: '1h' } },
        now: () => clock,
      });
      await promote(replica, {
        entityRef: ref,
        targetEnvironment: 'qa',
        digest,
      });
      const soakStart = clock.getTime();

      const preview = await replica.service.plan(
        { entityRef: ref, targetEnvironment: 'staging', digest },
        jane.userEntityRef,
      );
      expect(preview).toMatchObject({
        allowed: false,
        needsApproval: false,
        canRequest: true,
      });
      const queued = await replica.service.request(
        { entityRef: ref, targetEnvironment: 'staging', digest },
        jane,
      );
      expect(queued.status).toBe('queued');
      // Exact: when the digest was first seen in qa, plus the soak time.
      const firstSeen = (await replica.stores.tags.getVersion(
        ref,
        'qa',
        digest,
      ))!.firstSeen;
      expect(queued.eligibleAt?.getTime()).toBe(
        firstSeen.getTime() + 60 * 60_000,
      );
      expect(queued.eligibleAt!.getTime()).toBeGreaterThan(soakStart);

      const worker = replica.worker();
      clock = new Date(soakStart + 30 * 60_000);
      expect(await worker.runOnce()).toBe(false);
      expect(
        (await replica.stores.promotions.getPromotion(queued.id))?.status,
      ).toBe('queued');
      await expect(digestIn('staging', name, 'staging')).rejects.toThrow();

      clock = new Date(queued.eligibleAt!.getTime() + 1000);
      expect(await worker.runOnce()).toBe(true);
      expect(
        (await replica.stores.promotions.getPromotion(queued.id))?.status,
      ).toBe('succeeded');
      expect(await digestIn('staging', name, 'staging')).toBe(digest);
    });

    it('waits out a freeze window that starts between request and copy, and accepts requests during one', async () => {
      const start = new Date();
      let clock = start;
      const at = (minutes: number) =>
        new Date(start.getTime() + minutes * 60_000).toISOString();
      const { replica, name, ref, digest } = await setup({
        policies: {
          qa: {
            freezeWindows: [
              {
                kind: 'once',
                start: at(60),
                end: at(120),
                reason: 'Release freeze',
              },
            ],
          },
        },
        now: () => clock,
      });

      const queued = await replica.service.request(
        { entityRef: ref, targetEnvironment: 'qa', digest },
        jane,
      );
      expect(queued).toMatchObject({ status: 'queued', eligibleAt: null });
      clock = new Date(start.getTime() + 90 * 60_000);
      const worker = replica.worker();
      // Claimed, checked again, and put back until the window ends.
      expect(await worker.runOnce()).toBe(true);
      const waiting = await replica.stores.promotions.getPromotion(queued.id);
      expect(waiting).toMatchObject({ status: 'queued', attempts: 0 });
      expect(waiting?.eligibleAt?.toISOString()).toBe(at(120));
      const events = await replica.stores.promotions.listPromotionEvents(
        queued.id,
      );
      expect(events[events.length - 1]).toMatchObject({
        fromStatus: 'copying',
        toStatus: 'queued',
        message: expect.stringContaining('Release freeze'),
      });
      await expect(digestIn('qa', name, 'qa')).rejects.toThrow();
      expect(await worker.runOnce()).toBe(false);

      // A request during the window is accepted too, eligible when it ends.
      await replica.service.cancel(queued.id, jane);
      const during = await replica.service.request(
        { entityRef: ref, targetEnvironment: 'qa', digest },
        jane,
      );
      expect(during.status).toBe('queued');
      expect(during.eligibleAt?.toISOString()).toBe(at(120));
      expect(during.gateResults).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            gate: 'freeze',
            passed: false,
            message: expect.stringContaining('Release freeze'),
          }),
        ]),
      );

      clock = new Date(start.getTime() + 121 * 60_000);
      expect(await worker.runOnce()).toBe(true);
      expect(
        (await replica.stores.promotions.getPromotion(during.id))?.status,
      ).toBe('succeeded');
      expect(await digestIn('qa', name, 'qa')).toBe(digest);
    });

    it('refuses to move an immutable tag to another digest', async () => {
      const { replica, name, ref, digest } = await setup({
        policies: { qa: { immutableTags: true } },
      });
      // Someone already put a different build into qa under the same tag.
      const other = await pushImage(`${shared.host}/qa/${name}`, ['1.0.0']);

      const failed = await refusal(
        replica.service.request(
          { entityRef: ref, targetEnvironment: 'qa', sourceTag: '1.0.0' },
          jane,
        ),
      );
      expect(failed.map(g => g.gate)).toEqual(['immutable-tag']);
      expect(await digestIn('qa', name, '1.0.0')).toBe(other);

      // Under a new tag it may go; the current tag is exempt.
      await promote(replica, {
        entityRef: ref,
        targetEnvironment: 'qa',
        digest,
        targetTag: '1.0.0-r2',
      });
      expect(await digestIn('qa', name, '1.0.0')).toBe(other);
      expect(await digestIn('qa', name, 'qa')).toBe(digest);
    });

    it('creates exactly one of 20 concurrent requests for the same target, and runs it once', async () => {
      const { replica, ref } = await setup();

      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          replica.service.request(
            { entityRef: ref, targetEnvironment: 'qa', sourceTag: '1.0.0' },
            user(`requester-${i}`),
          ),
        ),
      );

      const created = results.filter(r => r.status === 'fulfilled');
      const refused = results.filter(
        (r): r is PromiseRejectedResult => r.status === 'rejected',
      );
      expect(created).toHaveLength(1);
      expect(refused).toHaveLength(19);
      for (const r of refused) expect(r.reason).toBeInstanceOf(ConflictError);
      const page = await replica.stores.promotions.listPromotions({
        entityRef: ref,
        limit: 50,
      });
      expect(page.totalCount).toBe(1);
      const worker = replica.worker();
      expect(await worker.runOnce()).toBe(true);
      expect(await worker.runOnce()).toBe(false);
      expect(
        (await replica.stores.promotions.getPromotion(page.items[0].id))
          ?.status,
      ).toBe('succeeded');
    });

    it('copies every promotion exactly once with two replicas on one database', async () => {
      const { replica, knex, raw, entities, names } = await setup({
        components: 6,
      });
      // A second replica: its own connection pool on the same database (SQLite in memory can only share the connection).
      const otherKnex: Knex = databaseId.startsWith('POSTGRES')
        ? createKnex(knex.client.config)
        : knex;
      try {
        const other = createReplica({
          config: buildConfig(raw),
          stores: await createStores({
            database: { getClient: async () => otherKnex },
            skipMigrations: true,
          }),
          entities,
        });
        const promotions = await Promise.all(
          names.map(n =>
            replica.service.request(
              {
                entityRef: componentRef(n),
                targetEnvironment: 'qa',
                sourceTag: '1.0.0',
              },
              jane,
            ),
          ),
        );
        const workers = [
          replica.worker({ owner: 'replica-a' }),
          other.worker({ owner: 'replica-b' }),
        ];
        workers.forEach(w => w.start());
        const finished = await waitFor('all promotions to finish', async () => {
          const all = await Promise.all(
            promotions.map(p => replica.stores.promotions.getPromotion(p.id)),
          );
          return all.every(p => p?.status === 'succeeded') ? all : undefined;
        });
        await Promise.all([replica.stopWorkers(), other.stopWorkers()]);

        const claimedBy = new Map<string, number>();
        for (const promotion of finished) {
          expect(promotion?.attempts).toBe(1);
          const events = await replica.stores.promotions.listPromotionEvents(
            promotion!.id,
          );
          const claims = events.filter(e => e.toStatus === 'copying');
          expect(claims).toHaveLength(1);
          expect(events.filter(e => e.toStatus === 'succeeded')).toHaveLength(
            1,
          );
          claimedBy.set(
            claims[0].actor,
            (claimedBy.get(claims[0].actor) ?? 0) + 1,
          );
        }
        expect([...claimedBy.keys()].every(k => k.startsWith('replica-'))).toBe(
          true,
        );
        for (const name of names) {
          expect(await digestIn('qa', name, 'qa')).toBe(
            await digestIn('dev', name, '1.0.0'),
          );
        }
      } finally {
        if (otherKnex !== knex) await otherKnex.destroy();
      }
    });

    it('finishes a promotion whose worker stopped mid-copy, once its lease expires', async () => {
      const { replica, name, ref, digest } = await setup({
        devHost: devProxy.host,
      });
      const promotion = await replica.service.request(
        { entityRef: ref, targetEnvironment: 'qa', digest },
        jane,
      );
      // The first blob flows, every later one hangs: the copy is mid-way.
      devProxy.addRule({
        name: 'slow blobs',
        match: isBlobGet,
        skip: 1,
        times: Infinity,
        fault: { kind: 'delay', ms: 60_000 },
      });
      let copyStarted!: () => void;
      const started = new Promise<void>(resolve => {
        copyStarted = resolve;
      });
      const first = replica.worker({
        owner: 'replica-a',
        leaseMs: 1_500,
        onCopyStarted: () => copyStarted(),
      });
      first.start();
      await started;
      await first.stop();
      devProxy.clearRules();
      expect(
        (await replica.stores.promotions.getPromotion(promotion.id))?.status,
      ).toBe('copying');

      const second = replica.worker({ owner: 'replica-b', leaseMs: 10_000 });
      await waitFor(
        'the lease to expire and the job to be reclaimed',
        async () => ((await second.runOnce()) ? true : undefined),
      );

      const done = await replica.stores.promotions.getPromotion(promotion.id);
      expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
      // Blobs replica-a copied count too: a succeeded promotion shows all its bytes.
      expect(done?.bytesTotal).toBeGreaterThan(0);
      expect(done?.bytesCopied).toBe(done?.bytesTotal);
      const events = await replica.stores.promotions.listPromotionEvents(
        promotion.id,
      );
      expect(
        events.filter(e => e.toStatus === 'copying').map(e => e.message),
      ).toEqual([
        'Claimed by replica-a',
        'Lease of replica-a expired; reclaimed by replica-b',
      ]);
      expect(await digestIn('qa', name, 'qa')).toBe(digest);
    });

    // Another process can only share a database server, not SQLite in memory.
    if (databaseId.startsWith('POSTGRES')) {
      it('finishes a promotion whose replica was SIGKILLed mid-copy, on another replica', async () => {
        const { replica, knex, raw, name, ref, digest } = await setup({
          devHost: devProxy.host,
          layerSize: 256 * 1024,
        });
        const promotion = await replica.service.request(
          { entityRef: ref, targetEnvironment: 'qa', digest },
          jane,
        );
        devProxy.addRule({
          name: 'slow blobs',
          match: isBlobGet,
          skip: 1,
          times: Infinity,
          fault: { kind: 'delay', ms: 60_000 },
        });

        const child = spawnWorker({
          db: knex.client.config,
          config: raw,
          owner: 'doomed-replica',
          leaseMs: 2_000,
        });
        try {
          await child.waitFor(e => e.type === 'copy-started');
          child.process.kill('SIGKILL');
          await child.exited;
        } finally {
          child.process.kill('SIGKILL');
        }
        devProxy.clearRules();
        expect(
          await replica.stores.promotions.getPromotion(promotion.id),
        ).toMatchObject({
          status: 'copying',
          leaseOwner: 'doomed-replica',
        });

        const survivor = replica.worker({ owner: 'survivor', leaseMs: 10_000 });
        await waitFor("the dead replica's lease to expire", async () =>
          (await survivor.runOnce()) ? true : undefined,
        );
        expect(
          await replica.stores.promotions.getPromotion(promotion.id),
        ).toMatchObject({
          status: 'succeeded',
          attempts: 2,
        });
        const events = await replica.stores.promotions.listPromotionEvents(
          promotion.id,
        );
        expect(events.map(e => [e.toStatus, e.actor])).toEqual([
          ['queued', jane.userEntityRef],
          ['copying', 'doomed-replica'],
          ['copying', 'survivor'],
          ['verifying', 'survivor'],
          ['succeeded', 'survivor'],
        ]);
        expect(await digestIn('qa', name, 'qa')).toBe(digest);
      });
    }
  });
});

/** A promotion worker in a child process (see workerProcess.ts). */
function spawnWorker(options: {
  db: Knex.Config;
  config: JsonObject;
  owner: string;
  leaseMs: number;
}) {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      join(__dirname, '../__testUtils__/workerProcess.ts'),
    ],
    {
      env: {
        ...process.env,
        IMAGE_PROMOTION_TEST_DB: JSON.stringify(options.db),
        IMAGE_PROMOTION_TEST_CONFIG: JSON.stringify(options.config),
        IMAGE_PROMOTION_TEST_OWNER: options.owner,
        IMAGE_PROMOTION_TEST_LEASE: String(options.leaseMs),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', chunk => {
    stderr += String(chunk);
  });
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  const events: WorkerProcessEvent[] = [];
  const listeners = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', line => {
    try {
      events.push(JSON.parse(line) as WorkerProcessEvent);
    } catch {
      return;
    }
    listeners.forEach(l => l());
  });
  return {
    process: child,
    exited,
    waitFor(predicate: (event: WorkerProcessEvent) => boolean) {
      return new Promise<WorkerProcessEvent>((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (found) {
            listeners.delete(check);
            resolve(found);
          }
        };
        listeners.add(check);
        exited.then(() =>
          reject(new Error(`worker process exited early: ${stderr}`)),
        );
        check();
      });
    },
  };
}
