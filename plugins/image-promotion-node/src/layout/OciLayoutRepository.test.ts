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
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sha256Digest } from '../digest';
import type { Descriptor } from '../engine/types';
import { DigestMismatchError, NotFoundError } from '../errors';
import { MediaTypes } from '../mediaTypes';
import {
  OciLayoutRepository,
  REF_NAME_ANNOTATION,
} from './OciLayoutRepository';

function blob(
  content: string | Buffer,
  mediaType = 'application/vnd.oci.image.layer.v1.tar',
) {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return {
    bytes,
    descriptor: {
      mediaType,
      digest: sha256Digest(bytes),
      size: bytes.length,
    } as Descriptor,
  };
}

function imageManifest(config: Descriptor, layers: Descriptor[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config,
      layers,
    }),
  );
}

describe('OciLayoutRepository', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'layout-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function writeImage(
    repo: OciLayoutRepository,
    tag: string,
    layerText: string,
  ) {
    const layer = blob(layerText);
    const config = blob(
      '{"architecture":"amd64","os":"linux"}',
      'application/vnd.oci.image.config.v1+json',
    );
    for (const b of [layer, config]) {
      await repo.putBlob(b.descriptor, async () => Readable.from([b.bytes]));
    }
    const manifest = imageManifest(config.descriptor, [layer.descriptor]);
    const digest = await repo.putManifest(
      tag,
      manifest,
      MediaTypes.ociManifest,
    );
    return { digest, manifest, layer };
  }

  it('writes a layout skopeo can read: oci-layout, index.json with ref.name, blobs/sha256', async () => {
    const repo = new OciLayoutRepository(path.join(dir, 'app'));
    const { digest, manifest } = await writeImage(repo, 'v1', 'layer one');
    const root = path.join(dir, 'app');
    expect(
      JSON.parse(readFileSync(path.join(root, 'oci-layout'), 'utf8')),
    ).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(
      readFileSync(path.join(root, 'index.json'), 'utf8'),
    );
    expect(index.schemaVersion).toBe(2);
    expect(index.manifests).toEqual([
      {
        mediaType: MediaTypes.ociManifest,
        digest,
        size: manifest.length,
        annotations: { [REF_NAME_ANNOTATION]: 'v1' },
      },
    ]);
    expect(
      readFileSync(path.join(root, 'blobs', 'sha256', digest.slice(7))).equals(
        manifest,
      ),
    ).toBe(true);
    // No temp or lock files are left behind.
    expect(readdirSync(root).sort()).toEqual([
      'blobs',
      'index.json',
      'oci-layout',
    ]);
  });

  it('reads back manifests and blobs by tag and digest', async () => {
    const repo = new OciLayoutRepository(dir);
    const { digest, manifest, layer } = await writeImage(
      repo,
      'v1',
      'layer one',
    );
    await expect(repo.resolve('v1')).resolves.toEqual({
      mediaType: MediaTypes.ociManifest,
      digest,
      size: manifest.length,
    });
    expect((await repo.getManifest(digest)).bytes.equals(manifest)).toBe(true);
    expect((await repo.getManifest('v1')).descriptor.digest).toBe(digest);
    await expect(repo.hasBlob(layer.descriptor.digest)).resolves.toBe(true);
    const chunks: Buffer[] = [];
    for await (const c of await repo.openBlob(layer.descriptor))
      chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('layer one');
    await expect(repo.resolve('nope')).resolves.toBeUndefined();
    await expect(repo.getManifest('nope')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('keeps many tags and moves a tag by replacing its entry', async () => {
    const repo = new OciLayoutRepository(dir);
    const one = await writeImage(repo, 'v1', 'one');
    await writeImage(repo, 'v2', 'two');
    const three = await writeImage(repo, 'v1', 'three');
    expect((await repo.listTags()).sort()).toEqual(['v1', 'v2']);
    expect((await repo.resolve('v1'))?.digest).toBe(three.digest);
    expect(three.digest).not.toBe(one.digest);
    const index = JSON.parse(
      readFileSync(path.join(dir, 'index.json'), 'utf8'),
    );
    expect(index.manifests).toHaveLength(2);
  });

  it('keeps concurrent tag writes from losing each other', async () => {
    const repo = new OciLayoutRepository(dir);
    await Promise.all(
      ['a', 'b', 'c', 'd', 'e', 'f'].map(t =>
        writeImage(repo, t, `layer ${t}`),
      ),
    );
    expect((await repo.listTags()).sort()).toEqual([
      'a',
      'b',
      'c',
      'd',
      'e',
      'f',
    ]);
  });

  it('refuses a blob whose content does not match and leaves nothing behind', async () => {
    const repo = new OciLayoutRepository(dir);
    const good = blob('real content');
    await expect(
      repo.putBlob(good.descriptor, async () =>
        Readable.from([Buffer.from('tampered!!!!')]),
      ),
    ).rejects.toBeInstanceOf(DigestMismatchError);
    expect(existsSync(repo.blobPath(good.descriptor.digest))).toBe(false);
    expect(readdirSync(dir).filter(f => f.startsWith('.tmp'))).toEqual([]);
  });

  it('detects a corrupted manifest on read', async () => {
    const repo = new OciLayoutRepository(dir);
    const { digest } = await writeImage(repo, 'v1', 'x');
    writeFileSync(repo.blobPath(digest), '{"corrupt":true}');
    await expect(repo.getManifest('v1')).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
  });

  it('hard-links blobs from another layout instead of copying them', async () => {
    const source = new OciLayoutRepository(path.join(dir, 'dev'));
    const target = new OciLayoutRepository(path.join(dir, 'prod'));
    const { layer } = await writeImage(source, 'v1', 'shared layer');
    let opened = false;
    const outcome = await target.putBlob(
      layer.descriptor,
      async () => {
        opened = true;
        return Readable.from([layer.bytes]);
      },
      { mountFrom: source },
    );
    expect(outcome).toBe('mounted');
    expect(opened).toBe(false);
    expect(statSync(target.blobPath(layer.descriptor.digest)).ino).toBe(
      statSync(source.blobPath(layer.descriptor.digest)).ino,
    );
    await expect(
      target.putBlob(layer.descriptor, async () =>
        Readable.from([layer.bytes]),
      ),
    ).resolves.toBe('exists');
  });

  it('rejects references that could escape the layout', async () => {
    const repo = new OciLayoutRepository(dir);
    await expect(repo.resolve('../../etc')).rejects.toThrow(/invalid tag/);
    expect(() => repo.blobPath('sha256:../../x')).toThrow(DigestMismatchError);
  });

  it('lists referrers from the fallback tag and from subject fields', async () => {
    const repo = new OciLayoutRepository(dir);
    const { digest } = await writeImage(repo, 'v1', 'x');
    const empty = blob('{}', MediaTypes.ociEmptyJson);
    await repo.putBlob(empty.descriptor, async () =>
      Readable.from([empty.bytes]),
    );
    const sig = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaTypes.ociManifest,
        artifactType: 'application/vnd.example.sig',
        config: empty.descriptor,
        layers: [],
        subject: { mediaType: MediaTypes.ociManifest, digest, size: 1 },
      }),
    );
    const sigDigest = await repo.putManifest(
      'sig',
      sig,
      MediaTypes.ociManifest,
    );
    const referrers = await repo.listReferrers(digest);
    expect(referrers.map(r => [r.digest, r.artifactType])).toEqual([
      [sigDigest, 'application/vnd.example.sig'],
    ]);
  });
});
