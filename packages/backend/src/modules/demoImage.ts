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

import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import {
  Descriptor,
  ImageRepository,
  MediaTypes,
  sha256Digest,
} from '@image-promotion/plugin-image-promotion-node';

const LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';
const CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';
const TAR_BLOCK = 512;

/** A layer of a demo image: the gzip'd tar as stored and the digest of the tar. */
export interface DemoLayer {
  descriptor: Descriptor;
  bytes: Buffer;
  diffId: string;
}

/** A demo image as stored: its manifest bytes and what they are. */
export interface DemoImage {
  digest: string;
  mediaType: string;
  manifest: Buffer;
  /** Its layers, base first, so a later version can share some. */
  layers: DemoLayer[];
  blobs: { descriptor: Descriptor; bytes: Buffer }[];
}

/** Options of {@link buildDemoImage}. */
export interface DemoImageOptions {
  /** Recorded as the image's version label. */
  version: string;
  /** The commit it was built from (`org.opencontainers.image.revision`). */
  revision?: string;
  /** Its source repository URL (`org.opencontainers.image.source`). */
  source?: string;
  /** Its base image (`org.opencontainers.image.base.name`). */
  baseName?: string;
  /** When it was built (the config's `created`; default now). */
  created?: Date;
  /** Number of layers (default 2). */
  layers?: number;
  /** Layers to start with, e.g. the base layer of an earlier version; new ones fill up to `layers`. */
  reuseLayers?: DemoLayer[];
  /** Random payload per new layer in bytes (default 4 KiB). */
  layerSize?: number;
}

function tarHeader(name: string, size: number, mtime: number): Buffer {
  const header = Buffer.alloc(TAR_BLOCK, 0);
  const octal = (value: number, length: number) =>
    `${value.toString(8).padStart(length - 1, '0')}\0`;
  header.write(name, 0, 100, 'ascii');
  header.write(octal(0o644, 8), 100, 8, 'ascii');
  header.write(octal(0, 8), 108, 8, 'ascii');
  header.write(octal(0, 8), 116, 8, 'ascii');
  header.write(octal(size, 12), 124, 12, 'ascii');
  header.write(octal(mtime, 12), 136, 12, 'ascii');
  // The checksum is computed with its own field read as spaces.
  header.write('        ', 148, 8, 'ascii');
  header.write('0', 156, 1, 'ascii');
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

/** A tar archive with one file of random bytes, the smallest real layer. */
function randomTar(size: number): Buffer {
  const payload = randomBytes(size);
  const padding = (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK;
  return Buffer.concat([
    tarHeader(`demo/${randomUUID()}.bin`, size, Math.floor(Date.now() / 1000)),
    payload,
    Buffer.alloc(padding + 2 * TAR_BLOCK, 0),
  ]);
}

function descriptorOf(mediaType: string, bytes: Buffer): Descriptor {
  return { mediaType, digest: sha256Digest(bytes), size: bytes.length };
}

/**
 * Builds a small but real single-platform OCI image in memory: gzip'd tar
 * layers of random bytes (after any reused ones), a config whose diff_ids
 * match them and whose labels say what it is, a manifest annotated the same.
 * Random content makes every call a new digest, like a new build.
 */
export function buildDemoImage(options: DemoImageOptions): DemoImage {
  const count = options.layers ?? 2;
  const layers: DemoLayer[] = (options.reuseLayers ?? []).slice(0, count);
  while (layers.length < count) {
    const tar = randomTar(options.layerSize ?? 4096);
    const gz = gzipSync(tar, { level: 1 });
    layers.push({
      descriptor: descriptorOf(LAYER_MEDIA_TYPE, gz),
      bytes: gz,
      diffId: sha256Digest(tar),
    });
  }
  // Where `docker build --label` and the OCI annotations put them; the change preview reads both.
  const labels: Record<string, string> = {
    'org.opencontainers.image.version': options.version,
    ...(options.revision
      ? { 'org.opencontainers.image.revision': options.revision }
      : {}),
    ...(options.source
      ? { 'org.opencontainers.image.source': options.source }
      : {}),
    ...(options.baseName
      ? { 'org.opencontainers.image.base.name': options.baseName }
      : {}),
  };
  const config = Buffer.from(
    JSON.stringify({
      created: (options.created ?? new Date()).toISOString(),
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: labels },
      rootfs: { type: 'layers', diff_ids: layers.map(l => l.diffId) },
      history: layers.map((_, i) => ({
        created_by: `image-promotion demo seed, layer ${i + 1}`,
      })),
    }),
  );
  const configDescriptor = descriptorOf(CONFIG_MEDIA_TYPE, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: configDescriptor,
      layers: layers.map(l => l.descriptor),
      annotations: labels,
    }),
  );
  return {
    digest: sha256Digest(manifest),
    mediaType: MediaTypes.ociManifest,
    manifest,
    layers,
    blobs: [
      ...layers.map(l => ({ descriptor: l.descriptor, bytes: l.bytes })),
      { descriptor: configDescriptor, bytes: config },
    ],
  };
}

/** Stores an image's blobs, then its manifest under each tag, through the engine. */
export async function writeDemoImage(
  repository: ImageRepository,
  image: DemoImage,
  tags: string[],
): Promise<void> {
  for (const blob of image.blobs) {
    await repository.putBlob(blob.descriptor, async () =>
      Readable.from([blob.bytes]),
    );
  }
  // By digest first, so the manifest exists before any tag points at it.
  await repository.putManifest(image.digest, image.manifest, image.mediaType);
  for (const tag of tags) {
    const reported = await repository.putManifest(
      tag,
      image.manifest,
      image.mediaType,
    );
    if (reported !== image.digest) {
      throw new Error(
        `${repository.location}:${tag} stored ${reported}, expected ${image.digest}`,
      );
    }
  }
}
