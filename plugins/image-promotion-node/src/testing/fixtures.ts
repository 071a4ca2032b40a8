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

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Descriptor, Platform } from '../engine/types';
import { MEDIA_TYPES } from './mediaTypes';
import { pushRaw } from './rawPush';
import { skopeoCopy, SkopeoCredentials } from './skopeo';
import { makeTempDir, removeTempDir } from './tempDir';

export { MEDIA_TYPES };

const REF_NAME = 'org.opencontainers.image.ref.name';
const CHUNK = 1024 * 1024;
/**
 * Random data does not compress, so from this size on layers are written as
 * stored (level 0) gzip: same size, about 4x faster (1 GB in ~8 s, not ~30 s).
 */
const STORE_ONLY_FROM = 32 * 1024 * 1024;

/** The two platforms multi-platform fixtures use unless told otherwise. */
export const DEFAULT_PLATFORMS: Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
];

/** A layer blob and the digest of its uncompressed tar. */
export interface LayerFixture {
  descriptor: Descriptor;
  diffId: string;
}

/** A single-platform image in a layout. */
export interface ImageFixture {
  /** Descriptor of the manifest (with platform when given). */
  manifest: Descriptor;
  manifestBytes: Buffer;
  config: Descriptor;
  layers: LayerFixture[];
  /** Same as `manifest.digest`. */
  digest: string;
}

/** A multi-platform image (OCI index) in a layout. */
export interface IndexFixture {
  index: Descriptor;
  indexBytes: Buffer;
  images: ImageFixture[];
  digest: string;
}

/** Signature-like artefacts attached to a subject. */
export interface SignatureFixture {
  subject: Descriptor;
  /** cosign tag-scheme signature manifest, tagged `sha256-<hex>.sig`. */
  cosign: Descriptor;
  cosignTag: string;
  /** OCI artefact manifest with `artifactType` and `subject`. */
  artifact: Descriptor;
  /** The referrers fallback tag `sha256-<hex>` holding an index that lists `artifact`. */
  referrersTag: string;
  referrersIndex: Descriptor;
}

/** Options of {@link OciLayoutFixture.addImage}. */
export interface ImageOptions {
  /** Number of layers (default 2). */
  layers?: number;
  /** Size of the random payload of each new layer in bytes (default 64 KiB). */
  layerSize?: number;
  /** Existing layers to use first (sharing blobs with another image); new random ones fill up to `layers`. */
  reuseLayers?: LayerFixture[];
  /** Platform recorded in the config (default linux/amd64). */
  platform?: Platform;
  /** Tag in the layout's index.json; untagged when omitted. */
  tag?: string;
  /** gzip level of new layers (default 1, or 0 = stored for layers of 32 MiB and more). */
  compressionLevel?: number;
  /** `config.Labels` of the image config, besides the fixture's own random label. */
  labels?: Record<string, string>;
  /** Annotations of the image manifest. */
  annotations?: Record<string, string>;
  /** `created` of the image config (default now). */
  created?: string;
}

/** Options of {@link OciLayoutFixture.addIndex}. */
export interface IndexOptions {
  platforms?: Platform[];
  /** Layers per platform image (default 2). */
  layers?: number;
  layerSize?: number;
  tag?: string;
}

/** An OCI image layout directory being filled with test content. */
export interface OciLayoutFixture {
  dir: string;
  /** Writes bytes as a content-addressed blob. */
  writeBlob(bytes: Buffer | string, mediaType: string): Promise<Descriptor>;
  /** Streams a gzip'd tar holding `size` random bytes into a new blob. */
  addRandomLayer(
    size: number,
    options?: { compressionLevel?: number },
  ): Promise<LayerFixture>;
  addImage(options?: ImageOptions): Promise<ImageFixture>;
  addIndex(options?: IndexOptions): Promise<IndexFixture>;
  /** Adds a cosign-style `.sig` tag and a referrer artefact (plus its fallback tag) for `subject`. */
  addSignature(subject: Descriptor): Promise<SignatureFixture>;
  /** Points a tag of index.json at a descriptor. */
  tag(tag: string, descriptor: Descriptor): Promise<void>;
  /** Adds an untagged entry to index.json. */
  addUntagged(descriptor: Descriptor): Promise<void>;
  readBlob(digest: string): Promise<Buffer>;
  /** Path of a blob file. */
  blobPath(digest: string): string;
  /** Removes the directory when this fixture created it. */
  cleanup(): Promise<void>;
}

/** `sha256:<hex>` of some bytes. */
export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The cosign / referrers fallback tag base for a digest: `sha256-<hex>`. */
export function digestTag(digest: string): string {
  return digest.replace(':', '-');
}

class HashingCounter extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;

  _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    done: TransformCallback,
  ) {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

function tarHeader(name: string, size: number): Buffer {
  const header = Buffer.alloc(512, 0);
  const field = (value: string, offset: number, length: number) => {
    header.write(value, offset, length, 'ascii');
  };
  const octal = (value: number, length: number) =>
    `${value.toString(8).padStart(length - 1, '0')}\0`;
  field(name, 0, 100);
  field(octal(0o644, 8), 100, 8);
  field(octal(0, 8), 108, 8);
  field(octal(0, 8), 116, 8);
  field(octal(size, 12), 124, 12);
  field(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  let sum = 0;
  for (const byte of header) {
    sum += byte;
  }
  field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return header;
}

/** A tar stream with one file of `size` random bytes, generated chunk by chunk. */
function randomTar(size: number): Readable {
  const name = `payload/${randomUUID()}.bin`;
  let remaining = size;
  let stage: 'header' | 'body' | 'trailer' | 'done' = 'header';
  return new Readable({
    read() {
      switch (stage) {
        case 'header':
          stage = size > 0 ? 'body' : 'trailer';
          this.push(tarHeader(name, size));
          return;
        case 'body': {
          const length = Math.min(CHUNK, remaining);
          remaining -= length;
          if (remaining === 0) {
            stage = 'trailer';
          }
          this.push(randomBytes(length));
          return;
        }
        case 'trailer': {
          stage = 'done';
          const padding = (512 - (size % 512)) % 512;
          this.push(Buffer.alloc(padding + 1024, 0));
          return;
        }
        default:
          this.push(null);
      }
    },
  });
}

function canonical(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function descriptorFor(
  mediaType: string,
  bytes: Buffer,
  extra: Partial<Descriptor> = {},
): Descriptor {
  return {
    mediaType,
    digest: sha256Digest(bytes),
    size: bytes.length,
    ...extra,
  };
}

function stripPlatform(descriptor: Descriptor): Descriptor {
  const { platform: _platform, ...rest } = descriptor;
  return rest;
}

/**
 * Creates (or fills) an OCI image layout with the project's own code: random
 * incompressible layers, configs with real diff_ids, manifests, indexes and
 * signature-like artefacts.
 */
export async function createOciLayout(dir?: string): Promise<OciLayoutFixture> {
  const ownsDir = dir === undefined;
  const root = dir ?? makeTempDir('layout');
  const blobsDir = join(root, 'blobs', 'sha256');
  await mkdir(blobsDir, { recursive: true });
  await writeFile(
    join(root, 'oci-layout'),
    JSON.stringify({ imageLayoutVersion: '1.0.0' }),
  );
  const entries: Descriptor[] = [];
  const saveIndex = () =>
    writeFile(
      join(root, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.index,
        manifests: entries,
      }),
    );
  await saveIndex();

  const blobPath = (digest: string) =>
    join(blobsDir, digest.replace(/^sha256:/, ''));

  const writeBlob = async (
    bytes: Buffer | string,
    mediaType: string,
  ): Promise<Descriptor> => {
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8');
    const descriptor = descriptorFor(mediaType, buffer);
    await writeFile(blobPath(descriptor.digest), buffer);
    return descriptor;
  };

  const addRandomLayer = async (
    size: number,
    options: { compressionLevel?: number } = {},
  ): Promise<LayerFixture> => {
    const temp = join(blobsDir, `.tmp-${randomUUID()}`);
    const uncompressed = new HashingCounter();
    const compressed = new HashingCounter();
    try {
      await pipeline(
        randomTar(size),
        uncompressed,
        createGzip({
          level: options.compressionLevel ?? (size >= STORE_ONLY_FROM ? 0 : 1),
        }),
        compressed,
        createWriteStream(temp),
      );
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const digest = `sha256:${compressed.hash.digest('hex')}`;
    await rename(temp, blobPath(digest));
    return {
      descriptor: {
        mediaType: MEDIA_TYPES.layerGzip,
        digest,
        size: compressed.bytes,
      },
      diffId: `sha256:${uncompressed.hash.digest('hex')}`,
    };
  };

  const setEntry = async (descriptor: Descriptor, tag?: string) => {
    if (tag !== undefined) {
      const existing = entries.findIndex(
        entry => entry.annotations?.[REF_NAME] === tag,
      );
      if (existing >= 0) {
        entries.splice(existing, 1);
      }
      entries.push({
        ...descriptor,
        annotations: { ...descriptor.annotations, [REF_NAME]: tag },
      });
    } else if (
      !entries.some(
        entry =>
          entry.digest === descriptor.digest &&
          entry.annotations?.[REF_NAME] === undefined,
      )
    ) {
      entries.push(descriptor);
    }
    await saveIndex();
  };

  const addImage = async (
    options: ImageOptions = {},
  ): Promise<ImageFixture> => {
    const count = options.layers ?? 2;
    const platform = options.platform ?? DEFAULT_PLATFORMS[0];
    const layers = (options.reuseLayers ?? []).slice(0, count);
    while (layers.length < count) {
      layers.push(
        await addRandomLayer(options.layerSize ?? 64 * 1024, {
          compressionLevel: options.compressionLevel,
        }),
      );
    }
    const config = await writeBlob(
      canonical({
        created: options.created ?? new Date().toISOString(),
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
        config: {
          Labels: {
            'io.image-promotion.fixture': randomUUID(),
            ...options.labels,
          },
        },
        rootfs: { type: 'layers', diff_ids: layers.map(layer => layer.diffId) },
        history: layers.map((_layer, i) => ({
          created_by: `image-promotion fixture layer ${i + 1}`,
        })),
      }),
      MEDIA_TYPES.config,
    );
    const manifestBytes = canonical({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config,
      layers: layers.map(layer => layer.descriptor),
      ...(options.annotations ? { annotations: options.annotations } : {}),
    });
    const stored = await writeBlob(manifestBytes, MEDIA_TYPES.manifest);
    const manifest: Descriptor = { ...stored, platform };
    if (options.tag !== undefined) {
      await setEntry(stripPlatform(manifest), options.tag);
    }
    return { manifest, manifestBytes, config, layers, digest: manifest.digest };
  };

  const addIndex = async (
    options: IndexOptions = {},
  ): Promise<IndexFixture> => {
    const images: ImageFixture[] = [];
    for (const platform of options.platforms ?? DEFAULT_PLATFORMS) {
      images.push(
        await addImage({
          platform,
          layers: options.layers,
          layerSize: options.layerSize,
        }),
      );
    }
    const indexBytes = canonical({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: images.map(image => image.manifest),
    });
    const index = await writeBlob(indexBytes, MEDIA_TYPES.index);
    if (options.tag !== undefined) {
      await setEntry(index, options.tag);
    }
    return { index, indexBytes, images, digest: index.digest };
  };

  const addSignature = async (
    subject: Descriptor,
  ): Promise<SignatureFixture> => {
    const subjectRef = stripPlatform({
      mediaType: subject.mediaType,
      digest: subject.digest,
      size: subject.size,
    });
    const payload = await writeBlob(
      canonical({
        critical: {
          identity: { 'docker-reference': 'image-promotion.test/fixture' },
          image: { 'docker-manifest-digest': subject.digest },
          type: 'cosign container image signature',
        },
        optional: { nonce: randomUUID() },
      }),
      MEDIA_TYPES.cosignSimpleSigning,
    );
    const signatureValue = randomBytes(64).toString('base64');
    const cosignConfig = await writeBlob(
      canonical({
        architecture: '',
        os: '',
        config: {},
        rootfs: { type: 'layers', diff_ids: [payload.digest] },
      }),
      MEDIA_TYPES.config,
    );
    const cosign = await writeBlob(
      canonical({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.manifest,
        config: cosignConfig,
        layers: [
          {
            ...payload,
            annotations: {
              'dev.cosignproject.cosign/signature': signatureValue,
            },
          },
        ],
      }),
      MEDIA_TYPES.manifest,
    );
    const cosignTag = `${digestTag(subject.digest)}.sig`;
    await setEntry(cosign, cosignTag);

    const empty = await writeBlob('{}', MEDIA_TYPES.empty);
    const artifactAnnotations = {
      'org.opencontainers.image.created': new Date().toISOString(),
    };
    const artifact: Descriptor = {
      ...(await writeBlob(
        canonical({
          schemaVersion: 2,
          mediaType: MEDIA_TYPES.manifest,
          artifactType: MEDIA_TYPES.cosignArtifactSig,
          config: empty,
          layers: [
            {
              ...payload,
              annotations: {
                'dev.cosignproject.cosign/signature': signatureValue,
              },
            },
          ],
          subject: subjectRef,
          annotations: artifactAnnotations,
        }),
        MEDIA_TYPES.manifest,
      )),
      artifactType: MEDIA_TYPES.cosignArtifactSig,
      annotations: artifactAnnotations,
    };
    // Layouts have no referrers API: list the artefact untagged, like oras does.
    await setEntry(artifact);
    const referrersIndex = await writeBlob(
      canonical({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.index,
        manifests: [artifact],
      }),
      MEDIA_TYPES.index,
    );
    const referrersTag = digestTag(subject.digest);
    await setEntry(referrersIndex, referrersTag);
    return {
      subject: subjectRef,
      cosign,
      cosignTag,
      artifact,
      referrersTag,
      referrersIndex,
    };
  };

  return {
    dir: root,
    writeBlob,
    addRandomLayer,
    addImage,
    addIndex,
    addSignature,
    tag: (tag, descriptor) => setEntry(stripPlatform(descriptor), tag),
    addUntagged: descriptor => setEntry(stripPlatform(descriptor)),
    readBlob: digest => readFile(blobPath(digest)),
    blobPath,
    async cleanup() {
      if (ownsDir) {
        await removeTempDir(root);
      }
    },
  };
}

/** Options of {@link pushWithSkopeo}. */
export interface PushOptions {
  creds?: SkopeoCredentials;
  timeoutMs?: number;
}

/**
 * Pushes a tag of a layout to a registry with skopeo, all platforms and
 * digests preserved, so the registry holds exactly the fixture's bytes.
 */
export async function pushWithSkopeo(
  layoutDir: string,
  tag: string,
  destination: string,
  options: PushOptions = {},
): Promise<void> {
  await skopeoCopy(`oci:${layoutDir}:${tag}`, destination, {
    destCreds: options.creds,
    all: true,
    timeoutMs: options.timeoutMs,
  });
}

/**
 * Pushes the artefacts of {@link OciLayoutFixture.addSignature} to a
 * repository (`host/repo`): the cosign `.sig` tag with skopeo, and the
 * referrer artefact with its `sha256-<hex>` fallback index with
 * {@link pushRaw}, because skopeo 1.9 will not copy that index with preserved
 * digests. The subject itself is not pushed.
 */
export async function pushSignature(
  layoutDir: string,
  signature: SignatureFixture,
  repository: string,
  options: PushOptions = {},
): Promise<void> {
  await pushWithSkopeo(
    layoutDir,
    signature.cosignTag,
    `${repository}:${signature.cosignTag}`,
    options,
  );
  await pushRaw(
    layoutDir,
    signature.referrersIndex,
    `${repository}:${signature.referrersTag}`,
    { creds: options.creds },
  );
}
