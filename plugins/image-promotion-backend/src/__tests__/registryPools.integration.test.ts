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

import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { copyImage } from '@image-promotion/plugin-image-promotion-node';
import type { Knex } from 'knex';
import type { ImagePromotionStores } from '../database';
import { RegistryAccess } from '../registry/RegistryAccess';
import { Tracker } from '../tracking/Tracker';
import {
  FaultProxy,
  startFaultProxy,
  startRegistry,
  TestRegistry,
} from '../__testUtils__/harness';
import {
  buildConfig,
  componentEntity,
  createStore,
  pushImage,
  staticComponents,
} from '../__testUtils__/integrationRig';

jest.setTimeout(180_000);

const COMPONENTS = 12;
const names = Array.from({ length: COMPONENTS }, (_, i) => `svc-${i}`);

/** The most requests that arrived within any `windowMs`: with each held `windowMs` or longer, the most in flight at once. */
function mostWithin(arrivals: number[], windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last] - sorted[first] >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/**
 * Each registry has its own bound on the requests a tracking run sends it,
 * so a registry that is slow fills only its own: the others are tracked,
 * and everything tracking records about them is written, while it is still
 * being read.
 */
describe('tracking with one bound per registry', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let dev: TestRegistry;
  let qa: TestRegistry;
  let devProxy: FaultProxy;
  let qaProxy: FaultProxy;

  beforeAll(async () => {
    [dev, qa] = await Promise.all([startRegistry(), startRegistry()]);
    [devProxy, qaProxy] = await Promise.all([
      startFaultProxy(dev.host),
      startFaultProxy(qa.host),
    ]);
    // One image, mounted into a repository per component: dev holds three
    // tags of it, qa two.
    const digest = await pushImage(`${dev.host}/seed`, ['1.0.0']);
    const access = new RegistryAccess(
      buildConfig({
        registries: { dev: dev.host, qa: qa.host },
        environments: [{ id: 'dev', registry: 'dev' }],
      }),
    );
    const seed = access.client.repository(dev.host, 'seed');
    for (const name of names) {
      for (const [registry, tags] of [
        [dev, ['1.0.0', '1.0.1', 'dev']],
        [qa, ['1.0.0', 'qa']],
      ] as const) {
        const target = access.client.repository(registry.host, name);
        for (const tag of tags) {
          await copyImage(seed, digest, target, tag, { referrers: false });
        }
      }
    }
    access.client.close();
  });

  afterEach(() => {
    devProxy.reset();
    qaProxy.reset();
  });

  afterAll(async () => {
    await Promise.all([devProxy?.stop(), qaProxy?.stop()]);
    await Promise.all([dev?.stop(), qa?.stop()]);
  });

  function tracker(stores: ImagePromotionStores, tracking: object): Tracker {
    const config = buildConfig({
      registries: { dev: devProxy.host, qa: qaProxy.host },
      environments: [
        { id: 'dev', registry: 'dev', currentTag: 'dev' },
        { id: 'qa', registry: 'qa', currentTag: 'qa' },
      ],
      tracking: { registryTimeout: '20s', ...tracking },
    });
    return new Tracker({
      stores,
      config,
      access: new RegistryAccess(config),
      components: staticComponents(names.map(name => componentEntity(name))),
      logger: mockServices.logger.mock(),
      trackingErrors: stores.trackingErrors,
    });
  }

  it('sends each registry at most its own number of requests at once', async () => {
    const { stores } = await createStore(databases, 'SQLITE_3');
    const arrivals = { dev: [] as number[], qa: [] as number[] };
    // Every request held 400 ms: arrivals within 350 ms were in flight together.
    for (const [proxy, list] of [
      [devProxy, arrivals.dev],
      [qaProxy, arrivals.qa],
    ] as const) {
      proxy.addRule({
        match: () => {
          list.push(Date.now());
          return true;
        },
        fault: { kind: 'delay', ms: 400 },
        times: Infinity,
      });
    }
    const components = await tracker(stores, {}).syncComponents();
    // A full run (webhook, refresh button) looks up every tag of every
    // environment at once, as far as the bound lets it.
    const results = await tracker(stores, {
      concurrency: 3,
      registryConcurrency: { qa: 2 },
    }).refreshComponents(components);

    expect(results.flatMap(r => r.environments.map(e => e.error))).toEqual(
      Array(COMPONENTS * 2).fill(undefined),
    );
    // A tag list and three lookups per dev repository, a list and two per qa one.
    expect(arrivals.dev).toHaveLength(COMPONENTS * 4);
    expect(arrivals.qa).toHaveLength(COMPONENTS * 3);
    expect(mostWithin(arrivals.dev, 350)).toBe(3);
    expect(mostWithin(arrivals.qa, 350)).toBe(2);
  });

  describe.each(databases.eachSupportedId())('on %s', databaseId => {
    let knex: Knex;
    let stores: ImagePromotionStores;

    beforeEach(async () => {
      ({ knex, stores } = await createStore(databases, databaseId));
    });

    /** Whether everything tracking records about qa is written: its tags, and no error left. */
    const qaRecorded = async () => {
      const [{ tags }] = await knex('tag_states')
        .where('environment', 'qa')
        .count({ tags: '*' });
      const [{ errors }] = await knex('tracking_errors')
        .where('environment', 'qa')
        .count({ errors: '*' });
      return Number(tags) === COMPONENTS * 2 && Number(errors) === 0;
    };

    it('records a registry as soon as it is read, while a slow one is still being read', async () => {
      const run = tracker(stores, { concurrency: 3 });
      // qa was down in the last run: every lane of it says so.
      qaProxy.addRule({
        match: () => true,
        fault: { kind: 'reset' },
        times: Infinity,
      });
      await run.refreshAll();
      const [{ failing }] = await knex('tracking_errors')
        .where('environment', 'qa')
        .count({ failing: '*' });
      expect(Number(failing)).toBe(COMPONENTS);
      qaProxy.reset();

      // Now qa answers at once, and dev takes 1 s per request: 12 tag lists
      // and 12 lookups of its current tag (the others were looked up in the
      // run before), three at a time, about 8 s.
      devProxy.addRule({
        match: () => true,
        fault: { kind: 'delay', ms: 1000 },
        times: Infinity,
      });
      const started = Date.now();
      let finished: number | undefined;
      const whole = run.refreshAll().finally(() => {
        finished = Date.now();
      });
      let qaDone: number | undefined;
      while (finished === undefined) {
        if (qaDone === undefined && (await qaRecorded())) qaDone = Date.now();
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      const results = await whole;

      expect(qaDone).toBeDefined();
      // qa's lanes were right within seconds, not when dev was done.
      expect(qaDone! - started).toBeLessThan(4_000);
      expect(finished - qaDone!).toBeGreaterThan(4_000);
      // dev was slow, never given up on: its own requests wait for its own
      // slots, and a deadline runs from when a request is sent.
      expect(
        results.map(r => r.environments.map(e => [e.id, e.error])),
      ).toEqual(
        Array(COMPONENTS).fill([
          ['dev', undefined],
          ['qa', undefined],
        ]),
      );
    });
  });
});
