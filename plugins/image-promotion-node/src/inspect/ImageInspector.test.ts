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

import { OciLayoutRepository } from '../layout/OciLayoutRepository';
import { createOciLayout } from '../testing';
import { ImageInspector } from './ImageInspector';

describe('ImageInspector', () => {
  it('reads every platform of an index with its layers, sizes and labels, once per digest', async () => {
    const layout = await createOciLayout();
    try {
      const index = await layout.addIndex({ layers: 2, layerSize: 1000 });
      const repository = new OciLayoutRepository(layout.dir);
      const getManifest = jest.spyOn(repository, 'getManifest');
      const inspector = new ImageInspector();

      const image = await inspector.inspect(repository, index.digest);
      expect(image.kind).toBe('index');
      expect(image.platforms.map(p => p.platform)).toEqual([
        'linux/amd64',
        'linux/arm64',
      ]);
      for (const [i, platform] of image.platforms.entries()) {
        const fixture = index.images[i];
        expect(platform.digest).toBe(fixture.digest);
        expect(platform.layers).toEqual(
          fixture.layers.map(l => ({
            digest: l.descriptor.digest,
            size: l.descriptor.size,
          })),
        );
        expect(platform.size).toBe(
          fixture.config.size +
            fixture.layers.reduce((sum, l) => sum + l.descriptor.size, 0),
        );
        expect(platform.labels['io.image-promotion.fixture']).toBeDefined();
      }
      const reads = getManifest.mock.calls.length;
      expect(reads).toBe(3);
      await inspector.inspect(repository, index.digest);
      expect(getManifest.mock.calls.length).toBe(reads);
    } finally {
      await layout.cleanup();
    }
  });

  it('forgets a failed read, so the next call tries again', async () => {
    const layout = await createOciLayout();
    try {
      const repository = new OciLayoutRepository(layout.dir);
      const inspector = new ImageInspector();
      const missing = `sha256:${'0'.repeat(64)}`;
      await expect(inspector.inspect(repository, missing)).rejects.toThrow();
      const image = await layout.addImage({ tag: 'x' });
      await expect(
        inspector.inspect(repository, image.digest),
      ).resolves.toMatchObject({ kind: 'image', digest: image.digest });
      await expect(inspector.inspect(repository, missing)).rejects.toThrow();
    } finally {
      await layout.cleanup();
    }
  });

  it('keeps at most maxEntries images', async () => {
    const layout = await createOciLayout();
    try {
      const repository = new OciLayoutRepository(layout.dir);
      const getManifest = jest.spyOn(repository, 'getManifest');
      const inspector = new ImageInspector({ maxEntries: 1 });
      const a = await layout.addImage({ layers: 1, layerSize: 10 });
      const b = await layout.addImage({ layers: 1, layerSize: 10 });
      await inspector.inspect(repository, a.digest);
      await inspector.inspect(repository, b.digest);
      await inspector.inspect(repository, a.digest);
      expect(getManifest).toHaveBeenCalledTimes(3);
    } finally {
      await layout.cleanup();
    }
  });
});
