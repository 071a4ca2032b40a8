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

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sha256Digest } from '../digest';
import type { CopyProgressEvent, Descriptor, Platform } from '../engine/types';
import { AbortError, ImmutableTagError, RegistryError } from '../errors';
import { OciLayoutRepository } from '../layout/OciLayoutRepository';
import { MediaTypes } from '../mediaTypes';
import { copyImage, resolveImage, transferOrder } from './copyImage';

async function putBlob(
  repo: OciLayoutRepository,
  content: string,
  mediaType: string,
): Promise<Descriptor> {
  const bytes = Buffer.from(content);
  const descriptor = {
    mediaType,
    digest: sha256Digest(bytes),
    size: bytes.length,
  };
  await repo.putBlob(descriptor, async () => Readable.from([bytes]));
  return descriptor;
}

async function putImage(
  repo: OciLayoutRepository,
  platform: Platform,
  layers: string[],
  tag?: string,
) {
  const config = await putBlob(
    repo,
    JSON.stringify({ architecture: platform.architecture, os: platform.os }),
    'application/vnd.oci.image.config.v1+json',
  );
  const layerDescriptors = [];
  for (const l of layers)
    layerDescriptors.push(
      await putBlob(repo, l, 'application/vnd.oci.image.layer.v1.tar'),
    );
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config,
      layers: layerDescriptors,
    }),
  );
  const digest = await repo.putManifest(
    tag ?? sha256Digest(bytes),
    bytes,
    MediaTypes.ociManifest,
  );
  return {
    mediaType: MediaTypes.ociManifest,
    digest,
    size: bytes.length,
    platform,
  };
}

async function putIndex(repo: OciLayoutRepository, tag: string) {
  const amd64 = await putImage(repo, { os: 'linux', architecture: 'amd64' }, [
    'shared base',
    'amd64 app',
  ]);
  const arm64 = await putImage(
    repo,
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ['shared base', 'arm64 app'],
  );
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [amd64, arm64],
    }),
  );
  const digest = await repo.putManifest(tag, bytes, MediaTypes.ociIndex);
  return { digest, amd64, arm64 };
}

describe('copyImage', () => {
  let dir: string;
  let source: OciLayoutRepository;
  let target: OciLayoutRepository;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'copy-'));
    source = new OciLayoutRepository(path.join(dir, 'dev'));
    target = new OciLayoutRepository(path.join(dir, 'prod'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('copies a multi-platform index children-first, deduplicating shared layers', async () => {
    const { digest } = await putIndex(source, 'v1');
    const events: CopyProgressEvent[] = [];
    const result = await copyImage(source, 'v1', target, 'v1', {
      onProgress: e => events.push(e),
    });
    expect(result).toMatchObject({
      digest,
      mediaType: MediaTypes.ociIndex,
      upToDate: false,
      manifests: 3,
      // 2 configs + shared base + 2 app layers
      blobs: { total: 5, exists: 0 },
    });
    expect(result.blobs.mounted + result.blobs.uploaded).toBe(5);
    expect((await resolveImage(target, 'v1')).digest).toBe(digest);
    expect(events[0]).toMatchObject({ type: 'plan', blobs: 5, manifests: 3 });
    const manifestEvents = events.filter(e => e.type === 'manifest');
    expect(manifestEvents).toHaveLength(3);
    expect(manifestEvents[2]).toMatchObject({ digest, tag: 'v1' });
    // Every blob finished before the first manifest went out.
    const firstManifest = events.findIndex(e => e.type === 'manifest');
    expect(events.slice(firstManifest).some(e => e.type === 'blob')).toBe(
      false,
    );
  });

  it('skips blobs the target already has and counts no transferred bytes for them', async () => {
    await putIndex(source, 'v1');
    await copyImage(source, 'v1', target, 'v1');
    const third = new OciLayoutRepository(path.join(dir, 'qa'));
    const result = await copyImage(target, 'v1', third, 'v1');
    expect(result.blobs.total).toBe(5);
    const again = await copyImage(third, 'v1', target, 'other');
    expect(again.blobs).toEqual({
      total: 5,
      exists: 5,
      mounted: 0,
      uploaded: 0,
    });
    expect(again.bytes.transferred).toBe(0);
  });

  it('checks the biggest blobs first and, among equal sizes, the later layers', async () => {
    // The config (about 40 bytes) is smaller than every layer here.
    const layers = [
      'a'.repeat(100),
      'b'.repeat(300),
      'c'.repeat(100),
      'd'.repeat(200),
    ];
    const image = await putImage(
      source,
      { os: 'linux', architecture: 'amd64' },
      layers,
      'v1',
    );
    const checked: string[] = [];
    const hasBlob = target.hasBlob.bind(target);
    jest.spyOn(target, 'hasBlob').mockImplementation((digest: string) => {
      checked.push(digest);
      return hasBlob(digest);
    });
    await copyImage(source, 'v1', target, 'v1');
    const layerDigests = layers.map(l => sha256Digest(Buffer.from(l)));
    expect(checked).toHaveLength(5);
    expect(checked.slice(0, 4)).toEqual([
      layerDigests[1],
      layerDigests[3],
      layerDigests[2],
      layerDigests[0],
    ]);
    expect((await resolveImage(target, 'v1')).digest).toBe(image.digest);
  });

  it('orders equal sizes later-first without losing or repeating a blob', () => {
    const blob = (name: string, size: number): Descriptor => ({
      mediaType: 'application/octet-stream',
      digest: `sha256:${name.repeat(64)}`,
      size,
    });
    const blobs = [blob('a', 5), blob('b', 9), blob('c', 5), blob('d', 1)];
    expect(transferOrder(blobs).map(b => b.digest[7])).toEqual([
      'b',
      'c',
      'a',
      'd',
    ]);
    expect(transferOrder([])).toEqual([]);
  });

  it('returns upToDate without copying when the target tag already has the digest', async () => {
    await putIndex(source, 'v1');
    await copyImage(source, 'v1', target, 'v1');
    const events: CopyProgressEvent[] = [];
    const result = await copyImage(source, 'v1', target, 'v1', {
      onProgress: e => events.push(e),
    });
    expect(result.upToDate).toBe(true);
    expect(result.manifests).toBe(0);
    expect(events).toEqual([]);
  });

  /** `repo` seen through a counter of its manifest look-ups, posing as a registry host. */
  function counted(repo: OciLayoutRepository, registryHost: string) {
    const calls: string[] = [];
    const wrapped = Object.create(repo) as OciLayoutRepository;
    Object.defineProperty(wrapped, 'registryHost', { value: registryHost });
    wrapped.resolve = (ref, signal) => {
      calls.push(`resolve ${ref}`);
      return repo.resolve(ref, signal);
    };
    wrapped.getManifest = (ref, signal) => {
      calls.push(`get ${ref}`);
      return repo.getManifest(ref, signal);
    };
    return { repo: wrapped, calls };
  }

  it.each([
    // One GET instead of HEAD + GET.
    ['registry.example.com', 'get v1'],
    // Docker Hub counts GETs as pulls: an up-to-date promotion costs none.
    ['docker.io', 'resolve v1'],
  ])(
    'looks up a source root on %s with "%s" only when the target is up to date, and names a missing tag',
    async (registryHost, lookup) => {
      await putIndex(source, 'v1');
      await copyImage(source, 'v1', target, 'v1');
      const { repo, calls } = counted(source, registryHost);
      const result = await copyImage(repo, 'v1', target, 'v1');
      expect(result.upToDate).toBe(true);
      expect(calls).toEqual([lookup]);
      await expect(copyImage(repo, 'nope', target, 'v1')).rejects.toThrow(
        `${source.location}:nope not found`,
      );
    },
  );

  it('refuses to move an immutable tag before copying anything', async () => {
    await putImage(
      target,
      { os: 'linux', architecture: 'amd64' },
      ['old'],
      'v1',
    );
    await putIndex(source, 'v1');
    const before = readdirSync(
      path.join(dir, 'prod', 'blobs', 'sha256'),
    ).length;
    const error = await copyImage(source, 'v1', target, 'v1', {
      noClobber: true,
    }).catch(e => e);
    expect(error).toBeInstanceOf(ImmutableTagError);
    expect(error.message).toContain('tag v1');
    expect(readdirSync(path.join(dir, 'prod', 'blobs', 'sha256'))).toHaveLength(
      before,
    );
    // Without noClobber the tag moves.
    await expect(copyImage(source, 'v1', target, 'v1')).resolves.toMatchObject({
      upToDate: false,
    });
  });

  it('copies the single platform manifest a filter selects, unchanged', async () => {
    const { arm64 } = await putIndex(source, 'v1');
    const result = await copyImage(source, 'v1', target, 'v1', {
      platforms: ['linux/arm64'],
    });
    expect(result.digest).toBe(arm64.digest);
    expect(result.mediaType).toBe(MediaTypes.ociManifest);
    expect(result.blobs.total).toBe(3);
    expect((await resolveImage(target, 'v1')).digest).toBe(arm64.digest);
  });

  it('copies the whole index when the filter selects every platform, and refuses a missing one', async () => {
    const { digest } = await putIndex(source, 'v1');
    await expect(
      copyImage(source, 'v1', target, 'v1', {
        platforms: ['linux/amd64', 'linux/arm64/v8'],
      }),
    ).resolves.toMatchObject({ digest });
    await expect(
      copyImage(source, 'v1', target, 'v2', { platforms: ['windows/amd64'] }),
    ).rejects.toThrow(/linux\/amd64, linux\/arm64\/v8/);
  });

  it('pushes by digest only when no target tag is given', async () => {
    const { digest } = await putIndex(source, 'v1');
    const result = await copyImage(source, 'v1', target, undefined);
    expect(result.digest).toBe(digest);
    await expect(target.listTags()).resolves.toEqual([]);
    expect((await target.getManifest(digest)).descriptor.digest).toBe(digest);
    await expect(
      copyImage(source, 'v1', target, digest),
    ).rejects.toBeInstanceOf(RegistryError);
  });

  it('stops on abort without moving the tag', async () => {
    await putIndex(source, 'v1');
    const controller = new AbortController();
    const pending = copyImage(source, 'v1', target, 'v1', {
      signal: controller.signal,
      onProgress: e => {
        if (e.type === 'plan') controller.abort();
      },
    });
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    await expect(target.resolve('v1')).resolves.toBeUndefined();
  });

  it('brings referrers and cosign tags along when asked', async () => {
    const image = await putImage(
      source,
      { os: 'linux', architecture: 'amd64' },
      ['app'],
      'v1',
    );
    const empty = await putBlob(source, '{}', MediaTypes.ociEmptyJson);
    const signature = await putBlob(
      source,
      'signature bytes',
      'application/vnd.example.signature',
    );
    const sbom = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: 'application/spdx+json',
        config: empty,
        layers: [signature],
        subject: {
          mediaType: image.mediaType,
          digest: image.digest,
          size: image.size,
        },
      }),
    );
    // Recorded the way clients do on stores without the referrers API.
    const sbomDigest = await source.putManifest(
      sha256Digest(sbom),
      sbom,
      MediaTypes.ociManifest,
    );
    const fallback = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociIndex,
        manifests: [
          {
            mediaType: MediaTypes.ociManifest,
            digest: sbomDigest,
            size: sbom.length,
            artifactType: 'application/spdx+json',
          },
        ],
      }),
    );
    await source.putManifest(
      image.digest.replace(':', '-'),
      fallback,
      MediaTypes.ociIndex,
    );
    const cosign = await putImage(
      source,
      { os: 'linux', architecture: 'amd64' },
      ['cosign sig'],
      `${image.digest.replace(':', '-')}.sig`,
    );

    const result = await copyImage(source, 'v1', target, 'v1', {
      referrers: true,
    });
    expect(result.referrers.sort()).toEqual([sbomDigest, cosign.digest].sort());
    expect(
      (await target.listReferrers(image.digest)).map(r => r.digest),
    ).toEqual([sbomDigest]);
    expect(
      (await target.resolve(`${image.digest.replace(':', '-')}.sig`))?.digest,
    ).toBe(cosign.digest);
    // Without the option nothing else travels.
    const plain = new OciLayoutRepository(path.join(dir, 'plain'));
    await copyImage(source, 'v1', plain, 'v1');
    await expect(plain.listReferrers(image.digest)).resolves.toEqual([]);
  });
});
