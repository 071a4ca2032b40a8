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
import { mapWithConcurrency } from '../tracking/concurrency';
import {
  skopeoInspectRaw,
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
  user,
} from '../__testUtils__/integrationRig';
import {
  PaginatingProxy,
  startPaginatingProxy,
} from '../__testUtils__/paginatingProxy';
import { RegistryAccess } from '../registry/RegistryAccess';

jest.setTimeout(180_000);

/** Tags in one repository, and the page size of the registry in front of it. */
const MANY_TAGS = 250;
const PAGE_SIZE = 100;

describe('tracking against real registries', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let dev: TestRegistry;
  let qa: TestRegistry;
  /** In front of dev: serves tag lists in pages of {@link PAGE_SIZE}. */
  let devProxy: PaginatingProxy;
  let manyTagsDigest: string;

  const config = () =>
    buildConfig({
      registries: { dev: devProxy.host, qa: qa.host },
      environments: [
        { id: 'dev', registry: 'dev', currentTag: 'dev' },
        { id: 'qa', registry: 'qa', currentTag: 'qa' },
      ],
      // Every run looks up every tag here; what a run may skip is tested in
      // trackingRequests.integration.test.ts.
      tracking: { recheckInterval: '0s' },
    });

  const uniqueName = (prefix: string) =>
    `${prefix}-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    [dev, qa] = await Promise.all([startRegistry(), startRegistry()]);
    devProxy = await startPaginatingProxy(dev.host, PAGE_SIZE);
    // One repository with more tags than fit on one page, shared by the database runs.
    manyTagsDigest = await pushImage(`${dev.host}/many-tags`, ['1.0.0']);
    const raw = await skopeoInspectRaw(`${dev.host}/many-tags:1.0.0`);
    const direct = buildConfig({
      registries: { dev: dev.host },
      environments: [{ id: 'dev', registry: 'dev' }],
    });
    const repository = new RegistryAccess(direct).client.repository(
      dev.host,
      'many-tags',
    );
    const tags = Array.from({ length: MANY_TAGS - 1 }, (_, i) => `build-${i}`);
    await mapWithConcurrency(tags, 16, tag =>
      repository.putManifest(
        tag,
        raw,
        'application/vnd.oci.image.manifest.v1+json',
      ),
    );
  });

  afterAll(async () => {
    await devProxy?.stop();
    await Promise.all([dev?.stop(), qa?.stop()]);
  });

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    const setup = async (entities = [componentEntity('many-tags')]) => {
      const { stores } = await createStore(databases, databaseId as DatabaseId);
      return createReplica({ config: config(), stores, entities });
    };

    it('lists every tag across pages and records the version with all of them', async () => {
      const replica = await setup();
      const pagesBefore = devProxy.tagPageRequests;

      const [result] = await replica.tracker.refreshAll();

      expect(result.entityRef).toBe(componentRef('many-tags'));
      expect(result.environments).toEqual([
        {
          id: 'dev',
          tags: MANY_TAGS,
          newDigests: 1,
          drift: 0,
          requests: 1 + MANY_TAGS,
        },
        // Nothing was ever pushed to qa: an empty environment, not an error.
        { id: 'qa', tags: 0, newDigests: 0, drift: 0, requests: 1 },
      ]);
      expect(devProxy.tagPageRequests - pagesBefore).toBe(
        Math.ceil(MANY_TAGS / PAGE_SIZE),
      );
      const version = await replica.stores.tags.getVersion(
        componentRef('many-tags'),
        'dev',
        manyTagsDigest,
      );
      expect(version?.tags).toHaveLength(MANY_TAGS);
      expect(version?.origin).toBe('discovered');
      expect(
        await replica.stores.tags.listTagStates(
          componentRef('many-tags'),
          'dev',
        ),
      ).toHaveLength(MANY_TAGS);
    });

    it('keeps only the tags matching the tag pattern, plus the current tag', async () => {
      const name = uniqueName('pattern');
      const release = await pushImage(`${dev.host}/${name}`, [
        '1.0.0',
        'dev',
        'latest',
      ]);
      const snapshot = await pushImage(`${dev.host}/${name}`, [
        'build-7f3a',
        '1.1.0-rc.1',
      ]);
      const replica = await setup([
        componentEntity(name, { tagPattern: '\\d+\\.\\d+\\.\\d+' }),
      ]);

      await replica.tracker.refreshAll();

      const states = await replica.stores.tags.listTagStates(
        componentRef(name),
        'dev',
      );
      expect(states.map(s => [s.tag, s.digest])).toEqual([
        ['1.0.0', release],
        ['dev', release],
      ]);
      expect(
        await replica.stores.tags.getVersion(
          componentRef(name),
          'dev',
          snapshot,
        ),
      ).toBeUndefined();
      const current = await replica.stores.tags.getCurrent(
        componentRef(name),
        'dev',
        {
          currentTag: 'dev',
        },
      );
      expect(current?.digest).toBe(release);
    });

    it("records a tag moved behind the plugin's back as drift after the next refresh", async () => {
      const name = uniqueName('drift');
      const ref = componentRef(name);
      const original = await pushImage(`${dev.host}/${name}`, ['1.0.0', 'dev']);
      const replica = await setup([componentEntity(name)]);
      await replica.tracker.refreshAll();
      expect(
        await replica.stores.drift.listDriftEvents({ entityRef: ref }),
      ).toEqual([]);

      // Someone rebuilds and pushes over the released tag with skopeo.
      const rebuilt = await pushImage(`${dev.host}/${name}`, ['1.0.0']);
      const [result] = await replica.tracker.refreshAll();

      expect(result.environments[0]).toMatchObject({ id: 'dev', drift: 1 });
      const events = await replica.stores.drift.listDriftEvents({
        entityRef: ref,
      });
      expect(events).toEqual([
        expect.objectContaining({
          environment: 'dev',
          tag: '1.0.0',
          previousDigest: original,
          newDigest: rebuilt,
          acknowledgedAt: null,
        }),
      ]);
      expect(replica.logger.warn).toHaveBeenCalledWith(
        expect.stringContaining(`Drift: ${ref} dev tag 1.0.0`),
      );
      // Reported once, not on every refresh.
      const [again] = await replica.tracker.refreshAll();
      expect(again.environments[0].drift).toBe(0);
      expect(
        await replica.stores.drift.listDriftEvents({ entityRef: ref }),
      ).toHaveLength(1);
      // The rebuilt digest is now what the tag is believed to point to.
      const states = await replica.stores.tags.listTagStates(ref, 'dev');
      expect(states.find(s => s.tag === '1.0.0')?.digest).toBe(rebuilt);
    });

    it('does not report the tags a promotion moves as drift, even with tracking running alongside', async () => {
      const name = uniqueName('promoted');
      const ref = componentRef(name);
      const first = await pushImage(`${dev.host}/${name}`, ['1.0.0', 'dev']);
      const replica = await setup([componentEntity(name)]);
      const worker = replica.worker();
      await replica.tracker.refreshAll();

      await replica.service.request(
        { entityRef: ref, targetEnvironment: 'qa', sourceTag: '1.0.0' },
        user('jane'),
      );
      expect(await worker.runOnce()).toBe(true);
      await replica.tracker.refreshAll();

      // A second release moves qa's current tag from the first digest to the second.
      const second = await pushImage(`${dev.host}/${name}`, ['1.1.0']);
      await replica.tracker.refreshAll();
      await replica.service.request(
        { entityRef: ref, targetEnvironment: 'qa', sourceTag: '1.1.0' },
        user('jane'),
      );
      const refreshes = Promise.all(
        Array.from({ length: 5 }, () => replica.tracker.refreshAll()),
      );
      expect(await worker.runOnce()).toBe(true);
      await refreshes;
      const [after] = await replica.tracker.refreshAll();

      expect(after.environments.map(e => e.drift)).toEqual([0, 0]);
      expect(
        await replica.stores.drift.listDriftEvents({ entityRef: ref }),
      ).toEqual([]);
      const qaStates = await replica.stores.tags.listTagStates(ref, 'qa');
      expect(qaStates.map(s => [s.tag, s.digest])).toEqual([
        ['1.0.0', first],
        ['1.1.0', second],
        ['qa', second],
      ]);
      const current = await replica.stores.tags.getCurrent(ref, 'qa', {
        currentTag: 'qa',
      });
      expect(current).toMatchObject({
        digest: second,
        by: 'user:default/jane',
      });
      await replica.stopWorkers();
    });
  });
});
