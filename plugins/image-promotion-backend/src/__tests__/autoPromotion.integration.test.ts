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
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { randomUUID } from 'node:crypto';
import {
  skopeoInspectRawDigest,
  startRegistry,
  TestRegistry,
} from '../__testUtils__/harness';
import {
  componentEntity,
  pushImage,
  waitFor,
} from '../__testUtils__/integrationRig';
import {
  createLayouts,
  startApi,
  TestApi,
  TestLayouts,
  waitForStatus,
} from '../__testUtils__/testBackend';

jest.setTimeout(120_000);

const API = '/api/image-promotion';
const ALICE = 'user:default/alice';
const MALLORY = 'user:default/mallory';
const alice = mockCredentials.user.header(ALICE);
const mallory = mockCredentials.user.header(MALLORY);
const SOAK_MS = 4000;

interface PromotionBody {
  id: string;
  status: string;
  digest: string;
  requestedBy: string;
  reason: string | null;
  targetEnvironment: string;
  eligibleAt: string | null;
  startedAt: string | null;
}

describe('auto-promotion (promote when ready)', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });
  let dev: TestRegistry;
  let shared: TestRegistry;

  beforeAll(async () => {
    [dev, shared] = await Promise.all([startRegistry(), startRegistry()]);
  });

  afterAll(async () => {
    await Promise.all([dev?.stop(), shared?.stop()]);
  });

  describe.each(databases.eachSupportedId())('on %s', databaseId => {
    let layouts: TestLayouts;
    let api: TestApi;
    const names = [1, 2].map(() => `svc-${randomUUID().slice(0, 8)}`);

    // Mallory may read but not promote.
    const permissions = mockServices.permissions.mock({
      authorize: async (requests, options) =>
        requests.map(r => {
          const principal = options?.credentials.principal as {
            userEntityRef?: string;
          };
          const deny =
            r.permission.name === 'image-promotion.promote' &&
            principal?.userEntityRef === MALLORY;
          return {
            result: deny ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
          };
        }),
    });

    const get = (path: string, header = alice) =>
      api.http.get(`${API}${path}`).set('Authorization', header);
    const refresh = async (name: string) => {
      const res = await api.http
        .post(`${API}/entities/default/component/${name}/refresh`)
        .set('Authorization', alice);
      expect(res.status).toBe(200);
    };
    const promotionsOf = async (name: string): Promise<PromotionBody[]> =>
      (await get(`/promotions?entityRef=component:default/${name}`)).body.items;
    const autoPromotionInto = (name: string, env: string, digest: string) =>
      waitFor(`the auto-promotion of ${name} into ${env}`, async () =>
        (await promotionsOf(name)).find(
          p => p.targetEnvironment === env && p.digest === digest,
        ),
      );

    beforeAll(async () => {
      layouts = await createLayouts();
      for (const name of names) {
        await pushImage(`${dev.host}/${name}`, ['1.0.0']);
      }
      api = await startApi({
        databaseId,
        databases,
        layouts,
        entities: names.map(n => componentEntity(n)),
        imagePromotion: {
          registries: {
            dev: { type: 'registry', url: dev.url, insecure: true },
            shared: { type: 'registry', url: shared.url, insecure: true },
          },
          pipelines: {
            default: {
              environments: [
                { id: 'dev', registry: 'dev', repository: '{{ image }}' },
                {
                  id: 'qa',
                  registry: 'shared',
                  repository: 'qa/{{ image }}',
                  autoPromote: true,
                  policy: { soakTime: { milliseconds: SOAK_MS } },
                },
                {
                  id: 'prod',
                  registry: 'shared',
                  repository: 'prod/{{ image }}',
                  autoPromote: true,
                  policy: { approvals: 1 },
                },
              ],
            },
          },
          tracking: { initialDelay: '1h', frequency: '1h' },
        },
        extraFeatures: [permissions.factory],
      });
      // The first look at dev finds 1.0.0: what was there before is not new.
      for (const name of names) await refresh(name);
    });

    afterAll(async () => {
      await api?.stop();
      await layouts?.cleanup();
    });

    it('queues a new dev version for qa, waits for the soak, copies it, then asks people for prod', async () => {
      const name = names[0];
      expect(await promotionsOf(name)).toEqual([]);
      const state = await get(
        `/entities/default/component/${name}/auto-promotion`,
      );
      expect(state.body).toEqual({
        entityRef: `component:default/${name}`,
        environments: ['qa', 'prod'],
        paused: false,
        pausedBy: null,
        pausedAt: null,
        reason: null,
      });

      const digest = await pushImage(`${dev.host}/${name}`, ['1.1.0']);
      const pushedAt = Date.now();
      await refresh(name);
      const queued = await autoPromotionInto(name, 'qa', digest);
      expect(queued).toMatchObject({
        status: 'queued',
        requestedBy: 'auto-promotion',
        reason: expect.stringContaining('auto-promotion'),
      });
      // Held by the soak time: eligible about SOAK_MS after tracking saw it.
      const eligibleAt = Date.parse(queued.eligibleAt!);
      expect(eligibleAt).toBeGreaterThan(Date.now());
      expect(eligibleAt).toBeGreaterThanOrEqual(pushedAt + SOAK_MS - 1000);

      const done = await waitForStatus(api.http, queued.id, alice, [
        'succeeded',
        'failed',
        'cancelled',
      ]);
      expect(done).toMatchObject({ status: 'succeeded' });
      const finished = (await get(`/promotions/${queued.id}`)).body;
      expect(Date.parse(finished.startedAt)).toBeGreaterThanOrEqual(eligibleAt);
      expect(
        await skopeoInspectRawDigest(`${shared.host}/qa/${name}:1.1.0`),
      ).toBe(digest);

      // qa got a new version by promotion: prod promotes by itself too, but
      // its approval still needs a person.
      const forProd = await autoPromotionInto(name, 'prod', digest);
      expect(forProd).toMatchObject({
        status: 'pending_approval',
        requestedBy: 'auto-promotion',
      });
      // The first version was never auto-promoted.
      expect(
        (await promotionsOf(name)).filter(p => p.digest !== digest),
      ).toEqual([]);
    });

    it('does nothing while an owner paused it; a pause cancels what waits; a reader cannot pause', async () => {
      const name = names[1];
      const path = `${API}/entities/default/component/${name}/auto-promotion`;

      // A new version is queued for qa and waits for its soak …
      const waitingDigest = await pushImage(`${dev.host}/${name}`, ['1.1.0']);
      await refresh(name);
      const waiting = await autoPromotionInto(name, 'qa', waitingDigest);
      expect(waiting.status).toBe('queued');

      const refused = await api.http
        .put(path)
        .set('Authorization', mallory)
        .send({ paused: true });
      expect(refused.status).toBe(403);
      expect(refused.body.error.message).toContain('image-promotion.promote');

      // … until the owner pauses auto-promotion for the service.
      const paused = await api.http
        .put(path)
        .set('Authorization', alice)
        .send({ paused: true, reason: 'load test in qa' });
      expect(paused.status).toBe(200);
      expect(paused.body).toMatchObject({
        paused: true,
        pausedBy: ALICE,
        reason: 'load test in qa',
      });
      expect((await get(`/promotions/${waiting.id}`)).body.status).toBe(
        'cancelled',
      );

      // A newer version while paused is left alone.
      const newer = await pushImage(`${dev.host}/${name}`, ['1.2.0']);
      await refresh(name);
      await new Promise(resolve => setTimeout(resolve, 500));
      expect(
        (await promotionsOf(name)).filter(p => p.digest === newer),
      ).toEqual([]);
      // The pause is stored, not kept in memory.
      expect((await get(path.replace(API, ''))).body.paused).toBe(true);

      const bad = await api.http
        .put(path)
        .set('Authorization', alice)
        .send({ paused: 'yes' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('paused');

      const resumed = await api.http
        .put(path)
        .set('Authorization', alice)
        .send({ paused: false });
      expect(resumed.body).toMatchObject({ paused: false, pausedBy: null });
      // Resumed: the next new version is auto-promoted again.
      const next = await pushImage(`${dev.host}/${name}`, ['1.3.0']);
      await refresh(name);
      const queued = await autoPromotionInto(name, 'qa', next);
      expect(queued).toMatchObject({
        status: 'queued',
        requestedBy: 'auto-promotion',
      });
    });
  });
});
