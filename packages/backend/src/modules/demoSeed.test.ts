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

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigReader } from '@backstage/config';
import { OciLayoutRepository } from '@image-promotion/plugin-image-promotion-node';
import { demoRevision, readDemoSeedPlan, seedDemoImages } from './demoSeed';

function demoConfig(root: string) {
  const environment = (id: string) => ({
    id,
    registry: id,
    repository: 'apps/{{ image }}',
    currentTag: id,
  });
  return new ConfigReader({
    imagePromotion: {
      registries: {
        dev: { type: 'oci-layout', directory: join(root, 'dev') },
        qa: { type: 'oci-layout', directory: 'qa' },
      },
      pipelines: {
        default: { environments: [environment('dev'), environment('qa')] },
      },
    },
    imagePromotionDemo: { images: ['checkout-service', 'payments-service'] },
  });
}

describe('demo seed', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'image-promotion-demo-seed-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('writes a newer version into the first environment than into the second, once', async () => {
    const plan = readDemoSeedPlan(demoConfig(root), root);
    if ('skip' in plan) throw new Error(plan.skip);
    expect(plan.second.directory).toBe(join(root, 'qa'));

    const first = await seedDemoImages(plan);
    expect(first.map(r => r.seeded)).toEqual([true, true]);

    const dev = new OciLayoutRepository(
      join(root, 'dev/apps/checkout-service'),
    );
    const qa = new OciLayoutRepository(join(root, 'qa/apps/checkout-service'));
    expect((await dev.listTags()).sort()).toEqual(['1.0.0', '1.1.0', 'dev']);
    expect((await qa.listTags()).sort()).toEqual(['1.0.0', 'qa']);
    const older = (await dev.resolve('1.0.0'))?.digest;
    const newer = (await dev.resolve('1.1.0'))?.digest;
    expect(older).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(newer).not.toBe(older);
    expect((await dev.resolve('dev'))?.digest).toBe(newer);
    expect((await qa.resolve('1.0.0'))?.digest).toBe(older);
    expect((await qa.resolve('qa'))?.digest).toBe(older);
    // Every blob the manifest names is there and verifies.
    const manifest = await qa.getManifest('qa');
    const parsed = JSON.parse(manifest.bytes.toString('utf8'));
    for (const blob of [parsed.config, ...parsed.layers]) {
      expect(await qa.hasBlob(blob.digest)).toBe(true);
    }

    // What the change preview compares: labels naming version, commit and
    // source, and 1.1.0 sharing 1.0.0's base layer but not its app layer.
    const read = async (tag: string) => {
      const doc = JSON.parse((await dev.getManifest(tag)).bytes.toString());
      return {
        annotations: doc.annotations as Record<string, string>,
        layers: (doc.layers as { digest: string }[]).map(l => l.digest),
      };
    };
    const [v1, v2] = [await read('1.0.0'), await read('1.1.0')];
    expect(v2.annotations).toEqual({
      'org.opencontainers.image.version': '1.1.0',
      'org.opencontainers.image.revision': demoRevision(
        'checkout-service',
        '1.1.0',
      ),
      'org.opencontainers.image.source':
        'https://github.com/image-promotion-demo/checkout-service',
      'org.opencontainers.image.base.name':
        'docker.io/library/debian:bookworm-slim',
    });
    expect(v1.annotations['org.opencontainers.image.revision']).toMatch(
      /^[0-9a-f]{40}$/,
    );
    expect(v1.annotations['org.opencontainers.image.revision']).not.toBe(
      v2.annotations['org.opencontainers.image.revision'],
    );
    expect(v2.layers[0]).toBe(v1.layers[0]);
    expect(v2.layers[1]).not.toBe(v1.layers[1]);

    const again = await seedDemoImages(plan);
    expect(again.map(r => r.seeded)).toEqual([false, false]);
    expect((await dev.resolve('1.1.0'))?.digest).toBe(newer);
  });

  it('skips without imagePromotionDemo.images', () => {
    expect(readDemoSeedPlan(new ConfigReader({}), root)).toEqual({
      skip: 'imagePromotionDemo.images is not configured',
    });
  });

  it('refuses an image name that is not a repository path', () => {
    const config = new ConfigReader({
      imagePromotionDemo: { images: ['../escape'] },
    });
    expect(() => readDemoSeedPlan(config, root)).toThrow(
      /not a valid image name/,
    );
  });
});
