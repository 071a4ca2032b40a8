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

import { setTimeout as sleep } from 'node:timers/promises';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import type { JsonObject } from '@backstage/config';
import {
  FaultProxy,
  findFreePort,
  isBlobGet,
  isManifestRead,
  startFaultProxy,
  startRegistry,
  TestRegistry,
} from '../__testUtils__/harness';
import {
  buildConfig,
  componentEntity,
  createReplica,
  createStore,
  pushImage,
} from '../__testUtils__/integrationRig';
import {
  component,
  createLayouts,
  startApi,
  TestApi,
  TestLayouts,
  waitForStatus,
} from '../__testUtils__/testBackend';

jest.setTimeout(180_000);

const API = '/api/image-promotion';
const alice = mockCredentials.user.header('user:default/alice');

/*
 * Registries that stall or are down, in front of the API, the worker and
 * tracking. The bounds asserted are generous (the test machine is shared and
 * loaded); what they prove is "seconds, not minutes".
 */
describe('registries that stall or are down', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let dev: TestRegistry;
  let qa: TestRegistry;
  /** In front of dev: the faults go here. */
  let devProxy: FaultProxy;
  let layouts: TestLayouts;
  let digest: string;

  /** dev (behind the proxy) → qa, with short deadlines so a stall shows in seconds. */
  const imagePromotion = (
    timeouts: JsonObject,
    devHost = devProxy.host,
  ): JsonObject => ({
    registries: {
      dev: { type: 'registry', url: `http://${devHost}`, insecure: true },
      qa: { type: 'registry', url: `http://${qa.host}`, insecure: true },
    },
    pipelines: {
      default: {
        environments: [
          { id: 'dev', registry: 'dev', repository: '{{ image }}' },
          { id: 'qa', registry: 'qa', repository: '{{ image }}' },
        ],
      },
    },
    tracking: { initialDelay: '1h', frequency: '1h', registryTimeout: '2s' },
    timeouts,
  });

  const previewBody = {
    entityRef: 'component:default/service-a',
    targetEnvironment: 'qa',
    sourceTag: '1.0.0',
  };

  beforeAll(async () => {
    [dev, qa] = await Promise.all([startRegistry(), startRegistry()]);
    devProxy = await startFaultProxy(dev.host);
    layouts = await createLayouts();
    digest = await pushImage(`${dev.host}/service-a`, ['1.0.0'], {
      layerSize: 64 * 1024,
    });
  });

  afterEach(() => devProxy.reset());

  afterAll(async () => {
    await devProxy?.stop();
    await Promise.all([dev?.stop(), qa?.stop()]);
    await layouts?.cleanup();
  });

  describe('the API', () => {
    let api: TestApi;

    beforeAll(async () => {
      api = await startApi({
        databaseId: 'SQLITE_3',
        databases,
        layouts,
        entities: [component('service-a')],
        imagePromotion: imagePromotion({
          connect: '2s',
          response: '30s',
          idle: '2s',
          apiRequest: '3s',
        }),
      });
      const refreshed = await api.http
        .post(`${API}/entities/default/component/service-a/refresh`)
        .set('Authorization', alice);
      if (refreshed.status !== 200) {
        throw new Error(
          `refresh answered ${refreshed.status}: ${refreshed.text}`,
        );
      }
    });

    afterAll(() => api?.stop());

    it('answers a preview within seconds with 504 naming the environment and registry when the source registry hangs', async () => {
      devProxy.addRule({
        match: isManifestRead,
        fault: { kind: 'hang' },
        times: Infinity,
      });
      const started = Date.now();
      const res = await api.http
        .post(`${API}/promotions/preview`)
        .set('Authorization', alice)
        .send(previewBody);
      const elapsed = Date.now() - started;
      expect(res.status).toBe(504);
      expect(res.body.error.name).toBe('RegistryTimeoutError');
      expect(res.body.error.message).toMatch(
        new RegExp(
          `^the dev registry at ${devProxy.host} did not answer within 3 s while looking up tag 1.0.0`,
        ),
      );
      // The deadline is 3 s; the engine alone would have waited 2 × 30 s.
      expect(elapsed).toBeLessThan(15_000);
    });

    it('answers a request with 504 and creates nothing when the source registry hangs', async () => {
      devProxy.addRule({
        match: isManifestRead,
        fault: { kind: 'hang' },
        times: Infinity,
      });
      const res = await api.http
        .post(`${API}/promotions`)
        .set('Authorization', alice)
        .send(previewBody);
      expect(res.status).toBe(504);
      expect(res.body.error.message).toMatch(/^the dev registry at /);
      const list = await api.http
        .get(`${API}/promotions`)
        .set('Authorization', alice);
      expect(list.body.totalCount).toBe(0);
    });

    it('ends a promotion failed, naming the dev registry, when dev stalls in the middle of a blob', async () => {
      devProxy.addRule({
        match: isBlobGet,
        fault: { kind: 'stall', afterBytes: 1000 },
        times: Infinity,
      });
      const started = Date.now();
      const res = await api.http
        .post(`${API}/promotions`)
        .set('Authorization', alice)
        .send({ ...previewBody, digest, sourceTag: undefined });
      expect(res.status).toBe(202);
      const done = await waitForStatus(
        api.http,
        res.body.id,
        alice,
        ['failed', 'succeeded'],
        60_000,
      );
      // Idle deadline 2 s, one retry: seconds, where it took minutes.
      expect(Date.now() - started).toBeLessThan(40_000);
      expect(done.status).toBe('failed');
      expect(done.failureReason).toMatch(
        new RegExp(`^the dev registry at ${devProxy.host} stopped sending`),
      );
      expect(done.failureReason).not.toMatch(/127\.0\.0\.1:\d+ \(|ECONN/);
    });
  });

  it('creates nothing for a caller who gave up before the registry answered', async () => {
    // A deadline longer than the registry's delay: only the caller leaving stops the work.
    const api = await startApi({
      databaseId: 'SQLITE_3',
      databases,
      layouts,
      entities: [component('service-a')],
      imagePromotion: imagePromotion({ response: '30s', apiRequest: '30s' }),
    });
    try {
      await api.http
        .post(`${API}/entities/default/component/service-a/refresh`)
        .set('Authorization', alice);
      devProxy.addRule({
        match: isManifestRead,
        fault: { kind: 'delay', ms: 3_000 },
        times: Infinity,
      });
      await expect(
        api.http
          .post(`${API}/promotions`)
          .set('Authorization', alice)
          .timeout(800)
          .send(previewBody),
      ).rejects.toThrow(/Timeout/);
      // Well after the registry answered the abandoned lookup.
      await sleep(5_000);
      devProxy.reset();
      const list = await api.http
        .get(`${API}/promotions`)
        .set('Authorization', alice);
      expect(list.body.totalCount).toBe(0);
    } finally {
      await api.stop();
    }
  });

  it('answers 502 naming the environment and registry when the source registry is down', async () => {
    // A port nothing listens on: the registry is down.
    const down = `127.0.0.1:${await findFreePort()}`;
    const api = await startApi({
      databaseId: 'SQLITE_3',
      databases,
      layouts,
      entities: [component('service-a')],
      imagePromotion: imagePromotion({ apiRequest: '10s' }, down),
    });
    try {
      await api.http
        .post(`${API}/entities/default/component/service-a/refresh`)
        .set('Authorization', alice);
      for (const path of ['/promotions/preview', '/promotions']) {
        const res = await api.http
          .post(`${API}${path}`)
          .set('Authorization', alice)
          .send(previewBody);
        expect(res.status).toBe(502);
        expect(res.body.error.message).toMatch(
          new RegExp(`^the dev registry at ${down} refused the connection`),
        );
      }
    } finally {
      await api.stop();
    }
  });

  it('names the app-config credentials, never the docker config or the password, when a registry refuses them', async () => {
    const secured = await startRegistry({
      auth: { htpasswd: [{ username: 'robot', password: 'the-right-one' }] },
    });
    const config = imagePromotion({ apiRequest: '10s' }, secured.host);
    const api = await startApi({
      databaseId: 'SQLITE_3',
      databases,
      layouts,
      entities: [component('service-a')],
      imagePromotion: {
        ...config,
        registries: {
          ...(config.registries as JsonObject),
          dev: {
            type: 'registry',
            url: `http://${secured.host}`,
            insecure: true,
            credentials: { username: 'robot', password: 'wrong-password-42' },
          },
        },
      },
    });
    try {
      await api.http
        .post(`${API}/entities/default/component/service-a/refresh`)
        .set('Authorization', alice);
      const res = await api.http
        .post(`${API}/promotions/preview`)
        .set('Authorization', alice)
        .send(previewBody);
      expect(res.status).toBe(502);
      expect(res.body.error.message).toMatch(
        new RegExp(
          `^the dev registry at ${secured.host} refused the backend's credentials while looking up tag 1.0.0 .*imagePromotion\\.registries\\.dev\\.credentials`,
        ),
      );
      expect(res.text).not.toMatch(/docker config|wrong-password-42/);
    } finally {
      await api.stop();
      await secured.stop();
    }
  });

  it('bounds a tracking run per registry: a hanging dev registry holds up neither the run nor qa', async () => {
    const { stores } = await createStore(databases, 'SQLITE_3');
    const names = Array.from({ length: 8 }, (_, i) => `svc-${i}`);
    const replica = createReplica({
      config: buildConfig({
        ...imagePromotion({ connect: '2s', response: '60s' }),
        tracking: { registryTimeout: '2s', concurrency: 2 },
      }),
      stores,
      entities: names.map(name => componentEntity(name)),
    });
    devProxy.addRule({
      match: () => true,
      fault: { kind: 'hang' } as const,
      times: Infinity,
    });
    const started = Date.now();
    const results = await replica.tracker.refreshAll();
    const elapsed = Date.now() - started;
    // One 2 s deadline for dev, not one per component (8 × 2 × 60 s before).
    expect(elapsed).toBeLessThan(20_000);
    expect(results).toHaveLength(names.length);
    for (const result of results) {
      const [devResult, qaResult] = result.environments;
      expect(devResult.error).toMatch(/the dev registry at .* within 2 s/);
      expect(qaResult.error).toBeUndefined();
    }
  });
});
