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

import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { rename, rm, writeFile } from 'node:fs/promises';
import {
  FaultProxy,
  startFaultProxy,
  startRegistry,
  TestRegistry,
} from '../__testUtils__/harness';
import { pushImage } from '../__testUtils__/integrationRig';
import { seedImage } from '../__testUtils__/seedLayout';
import {
  component,
  createLayouts,
  startApi,
  TestApi,
  TestLayouts,
} from '../__testUtils__/testBackend';

jest.setTimeout(120_000);

const API = '/api/image-promotion';
const alice = mockCredentials.user.header('user:default/alice');

/**
 * A registry the backend cannot read: the lane must say so, with the reason
 * and when tracking last tried, instead of "Nothing deployed yet"; once the
 * registry answers again, the error goes away.
 */
describe('an environment whose registry cannot be read', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let layouts: TestLayouts;
  let qa: TestRegistry;
  let proxy: FaultProxy;
  let qaDigest: string;

  beforeAll(async () => {
    layouts = await createLayouts();
    await seedImage(layouts.dev, 'team/checkout', '1.0.0');
    qa = await startRegistry();
    qaDigest = await pushImage(`${qa.host}/team/checkout`, ['1.0.0', 'qa']);
    proxy = await startFaultProxy(qa.host);
  });

  afterAll(async () => {
    await proxy?.stop();
    await qa?.stop();
    await layouts?.cleanup();
  });

  describe.each(databases.eachSupportedId())('on %s', databaseId => {
    let api: TestApi;

    beforeAll(async () => {
      api = await startApi({
        databaseId,
        databases,
        layouts,
        entities: [component('checkout')],
        imagePromotion: {
          registries: {
            dev: { type: 'oci-layout', directory: layouts.dev },
            qa: { type: 'registry', url: proxy.url, insecure: true },
          },
          pipelines: {
            default: {
              default: true,
              environments: [
                { id: 'dev', registry: 'dev', repository: 'team/{{ image }}' },
                {
                  id: 'qa',
                  title: 'QA',
                  registry: 'qa',
                  repository: 'team/{{ image }}',
                  currentTag: 'qa',
                },
              ],
            },
          },
          tracking: {
            initialDelay: '1h',
            frequency: '1h',
            registryTimeout: '3s',
          },
        },
      });
    });

    afterAll(async () => {
      proxy.clearRules();
      await api?.stop();
    });

    const refresh = () =>
      api.http
        .post(`${API}/entities/default/component/checkout/refresh`)
        .set('Authorization', alice);
    const status = () =>
      api.http
        .get(`${API}/entities/default/component/checkout/status`)
        .set('Authorization', alice);
    const overview = (query = '') =>
      api.http.get(`${API}/overview${query}`).set('Authorization', alice);

    it('reports why, and when it last tried, until the registry answers again', async () => {
      proxy.addRule({
        name: 'registry down',
        match: () => true,
        fault: { kind: 'reset' },
        times: Infinity,
      });
      const before = Date.now();
      expect((await refresh()).status).toBe(200);

      const down = await status();
      expect(down.status).toBe(200);
      const [dev, qaEnv] = down.body.environments;
      expect(dev.trackingError).toBeNull();
      expect(dev.current).not.toBeNull();
      expect(qaEnv.current).toBeNull();
      expect(qaEnv.trackingError).toEqual({
        message: expect.stringMatching(/^the qa registry at 127\.0\.0\.1:\d+ /),
        lastTriedAt: expect.any(String),
        failingSince: expect.any(String),
      });
      expect(qaEnv.trackingError.message).toMatch(/connection/);
      const firstTry = Date.parse(qaEnv.trackingError.lastTriedAt);
      expect(firstTry).toBeGreaterThanOrEqual(before - 1000);
      expect(qaEnv.trackingError.failingSince).toBe(
        qaEnv.trackingError.lastTriedAt,
      );

      // The manager's overview says the same instead of "nothing deployed",
      // and its status filter finds the component.
      const downOverview = await overview();
      expect(downOverview.status).toBe(200);
      const [row] = downOverview.body.items;
      expect(row.statuses).toContain('unreadable');
      expect(row.environments[0].trackingError).toBeNull();
      expect(row.environments[1]).toMatchObject({
        current: null,
        trackingError: qaEnv.trackingError,
      });
      const unreadable = await overview('?status=unreadable');
      expect(unreadable.body.items.map((i: any) => i.entityRef)).toEqual([
        'component:default/checkout',
      ]);

      // Still down: the streak keeps its start, the last try moves.
      await new Promise(resolve => setTimeout(resolve, 20));
      await refresh();
      const still = (await status()).body.environments[1].trackingError;
      expect(still.failingSince).toBe(qaEnv.trackingError.failingSince);
      expect(Date.parse(still.lastTriedAt)).toBeGreaterThan(firstTry);

      proxy.clearRules();
      await refresh();
      const up = (await status()).body.environments[1];
      expect(up.trackingError).toBeNull();
      expect(up.current).toMatchObject({ digest: qaDigest, tag: 'qa' });
      const upOverview = (await overview()).body.items[0];
      expect(upOverview.statuses).not.toContain('unreadable');
      expect(upOverview.environments[1].trackingError).toBeNull();
      expect((await overview('?status=unreadable')).body.items).toEqual([]);
    });

    it('says in words why a directory registry cannot be read', async () => {
      // dev's directory becomes a file: reading its layout fails with ENOTDIR.
      await rename(layouts.dev, `${layouts.dev}.moved`);
      await writeFile(layouts.dev, 'not a directory');
      try {
        await refresh();
        const [dev] = (await status()).body.environments;
        expect(dev.trackingError.message).toMatch(
          /^the dev registry \(OCI layout .*\) cannot be read while listing the tags of team\/checkout: a part of its directory path is a file, not a directory \(ENOTDIR\)$/,
        );
        // The version read before stays, marked by the error.
        expect(dev.current).not.toBeNull();
      } finally {
        await rm(layouts.dev, { force: true });
        await rename(`${layouts.dev}.moved`, layouts.dev);
      }
      await refresh();
      expect((await status()).body.environments[0].trackingError).toBeNull();
    });
  });
});
