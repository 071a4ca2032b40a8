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
import { ImageInspector } from '@image-promotion/plugin-image-promotion-node';
import { ChangePreviewer } from '../changes';
import {
  createOciLayout,
  FaultProxy,
  isManifestRead,
  LayerFixture,
  pushWithSkopeo,
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
  user,
} from '../__testUtils__/integrationRig';

jest.setTimeout(180_000);

const OCI = 'org.opencontainers.image';

/**
 * Two versions of one service with known labels and layers: 1.1.0 keeps the
 * base layer of 1.0.0, drops its app layer and adds two.
 */
async function pushTwoVersions(devRepository: string, qaRepository: string) {
  const layout = await createOciLayout();
  try {
    const base = await layout.addRandomLayer(20_000);
    const v1 = await layout.addImage({
      tag: 'v1',
      layers: 2,
      layerSize: 10_000,
      reuseLayers: [base],
      created: '2026-11-30T10:00:00Z',
      labels: {
        [`${OCI}.version`]: '1.0.0',
        [`${OCI}.revision`]: 'a1b2c3d',
        [`${OCI}.source`]: 'https://github.com/acme/checkout.git',
        [`${OCI}.base.name`]: 'docker.io/library/node:22',
      },
    });
    const v2 = await layout.addImage({
      tag: 'v2',
      layers: 3,
      layerSize: 30_000,
      reuseLayers: [base],
      created: '2026-12-01T09:00:00Z',
      labels: {
        [`${OCI}.version`]: '1.0.0-ignored',
        [`${OCI}.revision`]: 'e4f5a6b',
        [`${OCI}.source`]: 'https://github.com/acme/checkout.git',
        [`${OCI}.base.name`]: 'docker.io/library/node:22',
      },
      // The manifest annotation wins over the config label.
      annotations: { [`${OCI}.version`]: '1.1.0' },
    });
    await pushWithSkopeo(layout.dir, 'v1', `${devRepository}:1.0.0`);
    await pushWithSkopeo(layout.dir, 'v2', `${devRepository}:1.1.0`);
    await pushWithSkopeo(layout.dir, 'v2', `${devRepository}:dev`);
    await pushWithSkopeo(layout.dir, 'v1', `${qaRepository}:1.0.0`);
    await pushWithSkopeo(layout.dir, 'v1', `${qaRepository}:qa`);
    const sizeOf = (image: typeof v1) =>
      image.config.size +
      image.layers.reduce((sum, l: LayerFixture) => sum + l.descriptor.size, 0);
    return { base, v1, v2, size1: sizeOf(v1), size2: sizeOf(v2) };
  } finally {
    await layout.cleanup();
  }
}

describe('what changes, before it moves (real registries)', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let dev: TestRegistry;
  let qa: TestRegistry;
  let qaProxy: FaultProxy;

  beforeAll(async () => {
    [dev, qa] = await Promise.all([startRegistry(), startRegistry()]);
    qaProxy = await startFaultProxy(qa.host);
  });

  afterAll(async () => {
    await qaProxy?.stop();
    await Promise.all([dev?.stop(), qa?.stop()]);
  });

  it.each(databases.eachSupportedId())(
    'compares the current image with the candidate, and keeps the summary with the promotion, %p',
    async databaseId => {
      const name = `svc-${randomUUID().slice(0, 8)}`;
      const fixture = await pushTwoVersions(
        `${dev.host}/${name}`,
        `${qa.host}/${name}`,
      );
      const { knex, stores } = await createStore(databases, databaseId);
      const config = buildConfig({
        registries: { dev: dev.host, qa: qa.host },
        environments: [
          { id: 'dev', registry: 'dev', currentTag: 'dev' },
          { id: 'qa', registry: 'qa', currentTag: 'qa' },
        ],
      });
      const replica = createReplica({
        config,
        stores,
        entities: [componentEntity(name)],
      });
      await replica.tracker.refreshAll();

      const created = await replica.service.request(
        {
          entityRef: componentRef(name),
          targetEnvironment: 'qa',
          sourceTag: '1.1.0',
        },
        user('jane'),
      );
      const summary = await stores.changes.get(created.id);
      expect(summary).toBeDefined();
      expect(summary).toMatchObject({
        fromDigest: fixture.v1.digest,
        toDigest: fixture.v2.digest,
        identical: false,
        compare: {
          from: 'a1b2c3d',
          to: 'e4f5a6b',
          url: 'https://github.com/acme/checkout/compare/a1b2c3d...e4f5a6b',
        },
        size: { from: fixture.size1, to: fixture.size2 },
        problem: null,
      });
      const byKey = Object.fromEntries(
        summary!.labels.map(l => [l.key, [l.from, l.to, l.changed]]),
      );
      expect(byKey).toEqual({
        [`${OCI}.version`]: ['1.0.0', '1.1.0', true],
        [`${OCI}.revision`]: ['a1b2c3d', 'e4f5a6b', true],
        [`${OCI}.source`]: [
          'https://github.com/acme/checkout.git',
          'https://github.com/acme/checkout.git',
          false,
        ],
        [`${OCI}.created`]: [
          '2026-11-30T10:00:00Z',
          '2026-12-01T09:00:00Z',
          true,
        ],
        [`${OCI}.base.name`]: [
          'docker.io/library/node:22',
          'docker.io/library/node:22',
          false,
        ],
        [`${OCI}.base.digest`]: [null, null, false],
      });
      const added = fixture.v2.layers.slice(1);
      const removed = fixture.v1.layers.slice(1);
      const bytes = (layers: LayerFixture[]) =>
        layers.reduce((sum, l) => sum + l.descriptor.size, 0);
      expect(summary!.layers).toEqual({
        added: 2,
        removed: 1,
        shared: 1,
        bytesAdded: bytes(added),
        bytesRemoved: bytes(removed),
      });
      expect(summary!.platforms).toEqual([
        {
          platform: 'linux/amd64',
          status: 'changed',
          fromDigest: fixture.v1.digest,
          toDigest: fixture.v2.digest,
          sizeFrom: fixture.size1,
          sizeTo: fixture.size2,
          layers: summary!.layers,
        },
      ]);
      await knex.destroy();
    },
  );

  it('reads each image once: manifests and configs are cached by digest', async () => {
    const name = `svc-${randomUUID().slice(0, 8)}`;
    const fixture = await pushTwoVersions(
      `${dev.host}/${name}`,
      `${qa.host}/${name}`,
    );
    const { knex, stores } = await createStore(databases, 'SQLITE_3');
    const config = buildConfig({
      registries: { dev: dev.host, qa: qaProxy.host },
      environments: [
        { id: 'dev', registry: 'dev', currentTag: 'dev' },
        { id: 'qa', registry: 'qa', currentTag: 'qa' },
      ],
    });
    const replica = createReplica({
      config,
      stores,
      entities: [componentEntity(name)],
    });
    await replica.tracker.refreshAll();
    const previewer = new ChangePreviewer({
      access: replica.access,
      store: stores.tags,
      inspector: new ImageInspector(),
    });
    const [, qaEnv] = config.pipelines.get('default')!.environments;
    const subject = {
      entityRef: componentRef(name),
      image: name,
      source: config.pipelines.get('default')!.environments[0],
      target: qaEnv,
      digest: fixture.v2.digest,
    };
    qaProxy.reset();
    const first = await previewer.compare(subject);
    const reads = () =>
      qaProxy.log.filter(
        entry =>
          entry.path.includes('/manifests/') ||
          entry.path.includes(`/blobs/${fixture.v1.config.digest}`),
      ).length;
    const afterFirst = reads();
    expect(afterFirst).toBeGreaterThanOrEqual(2);
    const second = await previewer.compare(subject);
    expect(reads()).toBe(afterFirst);
    expect(second.summary?.layers).toEqual(first.summary?.layers);
    await knex.destroy();
  });

  it('says what could not be read when the current image is gone, and still shows the candidate', async () => {
    const name = `svc-${randomUUID().slice(0, 8)}`;
    const fixture = await pushTwoVersions(
      `${dev.host}/${name}`,
      `${qa.host}/${name}`,
    );
    const { knex, stores } = await createStore(databases, 'SQLITE_3');
    const config = buildConfig({
      registries: { dev: dev.host, qa: qaProxy.host },
      environments: [
        { id: 'dev', registry: 'dev', currentTag: 'dev' },
        { id: 'qa', registry: 'qa', currentTag: 'qa' },
      ],
    });
    const replica = createReplica({
      config,
      stores,
      entities: [componentEntity(name)],
    });
    await replica.tracker.refreshAll();
    qaProxy.addRule({
      match: isManifestRead,
      fault: { kind: 'status', status: 404 },
      times: Infinity,
    });
    try {
      const [devEnv, qaEnv] = config.pipelines.get('default')!.environments;
      const result = await new ChangePreviewer({
        access: replica.access,
        store: stores.tags,
      }).compare({
        entityRef: componentRef(name),
        image: name,
        source: devEnv,
        target: qaEnv,
        digest: fixture.v2.digest,
      });
      expect(result.summary).toMatchObject({
        fromDigest: null,
        toDigest: fixture.v2.digest,
        size: { from: null, to: fixture.size2 },
      });
      expect(result.summary!.problem).toContain('the image qa runs now');
      expect(result.summary!.problem).not.toMatch(/127\.0\.0\.1:\d+\/v2/);
    } finally {
      qaProxy.reset();
      await knex.destroy();
    }
  });
});
