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

import { randomUUID } from 'node:crypto';
import { TestDatabases } from '@backstage/backend-test-utils';
import {
  ReverseProxy,
  startRegistry,
  startReverseProxy,
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
} from '../__testUtils__/integrationRig';
import type { RefreshResult } from '../tracking/Tracker';

jest.setTimeout(180_000);

// Tracking does only the work that changed: a scheduled run over unchanged
// repositories lists each one's tags and looks up only the first
// environment's current tag; a tag moved in place shows on its periodic
// re-check, and at once through the webhook's full refresh. The requests
// are counted by a proxy in front of each real registry.

describe('tracking requests against real registries', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let dev: TestRegistry;
  let qa: TestRegistry;
  let devProxy: ReverseProxy;
  let qaProxy: ReverseProxy;

  beforeAll(async () => {
    [dev, qa] = await Promise.all([startRegistry(), startRegistry()]);
    [devProxy, qaProxy] = await Promise.all(
      [dev, qa].map(registry =>
        startReverseProxy({
          route: path => ({ host: registry.host, path }),
        }),
      ),
    );
  });

  afterAll(async () => {
    await Promise.all([devProxy?.stop(), qaProxy?.stop()]);
    await Promise.all([dev?.stop(), qa?.stop()]);
  });

  /** The requests each proxy saw while `fn` ran. */
  async function requestsDuring(fn: () => Promise<unknown>) {
    const before = [devProxy.log.length, qaProxy.log.length];
    await fn();
    return {
      dev: devProxy.log.slice(before[0]),
      qa: qaProxy.log.slice(before[1]),
    };
  }

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    async function setup(recheckInterval: string) {
      const name = `requests-${randomUUID().slice(0, 8)}`;
      const v1 = await pushImage(`${dev.host}/${name}`, ['1.0.0', 'dev']);
      await pushImage(`${qa.host}/${name}`, ['1.0.0', '0.9.0', 'qa']);
      const { stores } = await createStore(databases, databaseId as DatabaseId);
      const replica = createReplica({
        config: buildConfig({
          registries: { dev: devProxy.host, qa: qaProxy.host },
          environments: [
            { id: 'dev', registry: 'dev', currentTag: 'dev' },
            { id: 'qa', registry: 'qa', currentTag: 'qa' },
          ],
          tracking: { recheckInterval },
        }),
        stores,
        entities: [componentEntity(name)],
      });
      return { name, v1, replica, ref: componentRef(name) };
    }

    it('lists tags and looks up only what may have changed on an unchanged re-run', async () => {
      const { name, replica } = await setup('1h');
      const first = await requestsDuring(() => replica.tracker.refreshAll());
      // every tag looked up once
      expect(first.dev.length).toBeGreaterThanOrEqual(3);
      expect(first.qa.length).toBeGreaterThanOrEqual(4);

      let results: RefreshResult[] = [];
      const second = await requestsDuring(async () => {
        results = await replica.tracker.refreshAll();
      });
      // qa: one tag list; dev: the tag list and its current tag (CI moves it)
      expect(second.qa).toEqual([
        expect.stringMatching(new RegExp(`^GET /v2/${name}/tags/list`)),
      ]);
      expect(second.dev).toHaveLength(2);
      expect(second.dev[0]).toMatch(new RegExp(`^GET /v2/${name}/tags/list`));
      expect(second.dev[1]).toMatch(
        new RegExp(`^(HEAD|GET) /v2/${name}/manifests/dev$`),
      );
      expect(results[0].environments).toEqual([
        { id: 'dev', tags: 2, newDigests: 0, drift: 0, requests: 2 },
        { id: 'qa', tags: 3, newDigests: 0, drift: 0, requests: 1 },
      ]);
      expect(first.dev.length + first.qa.length).toBeGreaterThanOrEqual(
        2 * (second.dev.length + second.qa.length),
      );
    });

    it('finds a tag moved in place on its periodic re-check, and at once through a full refresh', async () => {
      // 12 s: its re-check is due at 9 s at the earliest, which leaves a
      // loaded CI machine time for the run, a push and the run after it.
      const { name, replica, ref } = await setup('12s');
      const checkedAt = Date.now();
      await replica.tracker.refreshAll();

      // Someone pushes another image over qa's 0.9.0, bypassing promotion.
      const moved = await pushImage(`${qa.host}/${name}`, ['0.9.0']);
      const [soon] = await replica.tracker.refreshAll();
      // Before its re-check is due (at 9 s, 75 % of the interval, at the
      // earliest) the tag is trusted: one tag list, nothing seen yet.
      expect(Date.now() - checkedAt).toBeLessThan(9_000);
      expect(soon.environments[1]).toMatchObject({ drift: 0, requests: 1 });

      await new Promise(resolve =>
        setTimeout(resolve, Math.max(0, checkedAt + 12_100 - Date.now())),
      );
      const [due] = await replica.tracker.refreshAll();
      expect(due.environments[1]).toMatchObject({ drift: 1 });
      expect(
        await replica.stores.drift.listDriftEvents({ entityRef: ref }),
      ).toEqual([
        expect.objectContaining({
          environment: 'qa',
          tag: '0.9.0',
          newDigest: moved,
        }),
      ]);

      // The webhook and the refresh button look everything up.
      const again = await pushImage(`${qa.host}/${name}`, ['1.0.0']);
      const [full] = await replica.tracker.refreshComponents([
        (await replica.stores.components.getComponent(ref))!,
      ]);
      expect(full.environments[1]).toMatchObject({ drift: 1, requests: 4 });
      expect(
        (await replica.stores.drift.listDriftEvents({ entityRef: ref })).map(
          e => e.newDigest,
        ),
      ).toContain(again);
    });
  });
});
