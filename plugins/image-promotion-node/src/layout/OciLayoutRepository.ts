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

import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  DigestVerifier,
  assertSha256Digest,
  isDigest,
  sha256Digest,
  verifyBytes,
} from '../digest';
import type {
  BlobOutcome,
  Descriptor,
  FetchedManifest,
  ImageRepository,
} from '../engine/types';
import {
  NotFoundError,
  RegistryError,
  isAbortError,
  AbortError,
} from '../errors';
import { MAX_MANIFEST_BYTES, MediaTypes, parseManifest } from '../mediaTypes';
import {
  DEFAULT_RETRY_POLICY,
  isRetryableError,
  retryOperation,
} from '../transport/retry';
import { reportRetry } from '../transport/retryContext';
import { tempPath, withFileLock, writeFileAtomic } from './fsAtomic';

/** The annotation OCI layouts use to name a manifest (the tag). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

const OCI_LAYOUT_FILE = 'oci-layout';
const INDEX_FILE = 'index.json';
const LAYOUT_VERSION = '1.0.0';
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const READ_HIGH_WATER_MARK = 1024 * 1024;

interface LayoutIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
  [key: string]: unknown;
}

function emptyIndex(): LayoutIndex {
  return { schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] };
}

/**
 * A directory in the OCI image layout format (the format of skopeo's `oci:`
 * and regctl's `ocidir://`). One directory holds many tags through the
 * `org.opencontainers.image.ref.name` annotation of index.json entries.
 * Every write is a temp file + rename: blobs appear complete and verified or
 * not at all, and index.json is never half-written.
 */
export class OciLayoutRepository implements ImageRepository {
  readonly location: string;
  readonly repository: string;
  readonly registryHost = undefined;
  /** Absolute path of the layout directory. */
  readonly dir: string;
  private initialized?: Promise<void>;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
    this.repository = this.dir;
    this.location = `oci-layout:${this.dir}`;
  }

  /** Path of a blob file; the digest is validated first, so no reference can escape the layout. */
  blobPath(digest: string): string {
    assertSha256Digest(digest, this.context(digest));
    return path.join(
      this.dir,
      'blobs',
      'sha256',
      digest.slice('sha256:'.length),
    );
  }

  private context(reference?: string) {
    return { registry: 'oci-layout', repository: this.dir, reference };
  }

  /** Creates the layout skeleton if missing; idempotent and safe against a concurrent creator. */
  private init(): Promise<void> {
    if (!this.initialized) {
      this.initialized = (async () => {
        await mkdir(path.join(this.dir, 'blobs', 'sha256'), {
          recursive: true,
        });
        const layoutFile = path.join(this.dir, OCI_LAYOUT_FILE);
        if (!(await exists(layoutFile))) {
          await writeFileAtomic(
            layoutFile,
            JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }),
          );
        }
        const indexFile = path.join(this.dir, INDEX_FILE);
        if (!(await exists(indexFile))) {
          await withFileLock(`${indexFile}.lock`, async () => {
            if (!(await exists(indexFile))) {
              await writeFileAtomic(indexFile, JSON.stringify(emptyIndex()));
            }
          });
        }
      })().catch(error => {
        this.initialized = undefined;
        throw error;
      });
    }
    return this.initialized;
  }

  private async readIndex(): Promise<LayoutIndex> {
    let text: string;
    try {
      text = await readFile(path.join(this.dir, INDEX_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return emptyIndex();
      throw error;
    }
    try {
      const doc = JSON.parse(text) as Partial<LayoutIndex>;
      const manifests = Array.isArray(doc.manifests) ? doc.manifests : [];
      return { ...doc, schemaVersion: doc.schemaVersion ?? 2, manifests };
    } catch {
      throw new RegistryError(
        `${this.location}/index.json is not valid JSON`,
        this.context(),
      );
    }
  }

  private async readManifestBlob(digest: string): Promise<Buffer> {
    const file = this.blobPath(digest);
    const info = await stat(file).catch(() => undefined);
    if (!info) {
      throw new NotFoundError(
        `manifest ${digest} not found in ${this.location}`,
        {
          ...this.context(digest),
          code: 'MANIFEST_UNKNOWN',
        },
      );
    }
    if (info.size > MAX_MANIFEST_BYTES) {
      throw new RegistryError(
        `manifest ${digest} in ${this.location} is too large`,
        this.context(digest),
      );
    }
    const bytes = await readFile(file);
    verifyBytes(
      bytes,
      digest,
      `manifest ${digest} in ${this.location}`,
      this.context(digest),
    );
    return bytes;
  }

  async resolve(
    reference: string,
    signal?: AbortSignal,
  ): Promise<Descriptor | undefined> {
    if (signal?.aborted)
      throw new AbortError(undefined, { cause: signal.reason });
    const index = await this.readIndex();
    if (isDigest(reference)) {
      assertSha256Digest(reference, this.context(reference));
      const entry = index.manifests.find(m => m.digest === reference);
      if (entry)
        return {
          mediaType: entry.mediaType,
          digest: entry.digest,
          size: entry.size,
        };
      if (!(await exists(this.blobPath(reference)))) return undefined;
      const bytes = await this.readManifestBlob(reference);
      return {
        mediaType: parseManifest(bytes).mediaType,
        digest: reference,
        size: bytes.length,
      };
    }
    this.assertTag(reference);
    // The last entry wins, should a foreign writer have left duplicates.
    const entry = [...index.manifests]
      .reverse()
      .find(m => m.annotations?.[REF_NAME_ANNOTATION] === reference);
    return entry
      ? { mediaType: entry.mediaType, digest: entry.digest, size: entry.size }
      : undefined;
  }

  /**
   * Why a reference is not in this layout, in words: no such directory, a
   * directory that is not a layout, or a layout without that tag (naming the
   * tags it has), so the user knows whether the path or the tag is wrong.
   */
  async explainMissing(reference: string): Promise<string> {
    const info = await stat(this.dir).catch(() => undefined);
    if (!info) {
      return `${this.location}: there is no directory ${this.dir}; check the path`;
    }
    if (!info.isDirectory()) {
      return `${this.location}: ${this.dir} is a file, not an OCI image layout directory`;
    }
    if (!(await exists(path.join(this.dir, INDEX_FILE)))) {
      return `${this.location}: the directory exists but is not an OCI image layout (it has no ${INDEX_FILE})`;
    }
    if (isDigest(reference)) {
      return `${this.location}@${reference}: the layout exists but holds no manifest with that digest`;
    }
    const tags = await this.listTags();
    const some =
      tags.length > 10 ? `${tags.slice(0, 10).join(', ')}, …` : tags.join(', ');
    return `${
      this.location
    }: the layout exists but has no tag "${reference}"; ${
      tags.length ? `its tags are ${some}` : 'it has no tags'
    }`;
  }

  async getManifest(
    reference: string,
    signal?: AbortSignal,
  ): Promise<FetchedManifest> {
    const descriptor = await this.resolve(reference, signal);
    if (!descriptor) {
      throw new NotFoundError(await this.explainMissing(reference), {
        ...this.context(reference),
        code: 'MANIFEST_UNKNOWN',
      });
    }
    const bytes = await this.readManifestBlob(descriptor.digest);
    return {
      descriptor: {
        mediaType: descriptor.mediaType,
        digest: descriptor.digest,
        size: bytes.length,
      },
      bytes,
    };
  }

  async putManifest(
    reference: string,
    bytes: Buffer,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<string> {
    if (signal?.aborted)
      throw new AbortError(undefined, { cause: signal.reason });
    const digest = sha256Digest(bytes);
    if (isDigest(reference)) {
      verifyBytes(
        bytes,
        reference,
        'manifest to store',
        this.context(reference),
      );
    } else {
      this.assertTag(reference);
    }
    await this.init();
    const file = this.blobPath(digest);
    if (!(await exists(file))) {
      await writeFileAtomic(file, bytes);
    }
    if (!isDigest(reference)) {
      // Pushed by digest (child manifests, referrers) only the blob is
      // written: index.json lists what was asked for by name, like skopeo does.
      const indexFile = path.join(this.dir, INDEX_FILE);
      await withFileLock(`${indexFile}.lock`, async () => {
        const index = await this.readIndex();
        index.manifests = index.manifests.filter(
          m => m.annotations?.[REF_NAME_ANNOTATION] !== reference,
        );
        index.manifests.push({
          mediaType,
          digest,
          size: bytes.length,
          annotations: { [REF_NAME_ANNOTATION]: reference },
        });
        await writeFileAtomic(indexFile, JSON.stringify(index));
      });
    }
    return digest;
  }

  async hasBlob(digest: string): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  /** Opens a blob file; verification happens where it is stored (see RegistryRepository.openBlob). */
  async openBlob(
    descriptor: Descriptor,
    signal?: AbortSignal,
  ): Promise<Readable> {
    const file = this.blobPath(descriptor.digest);
    if (!(await exists(file))) {
      throw new NotFoundError(
        `blob ${descriptor.digest} not found in ${this.location}`,
        {
          ...this.context(descriptor.digest),
          code: 'BLOB_UNKNOWN',
        },
      );
    }
    return createReadStream(file, {
      highWaterMark: READ_HIGH_WATER_MARK,
      signal,
    });
  }

  async putBlob(
    descriptor: Descriptor,
    open: () => Promise<Readable>,
    options: {
      mountFrom?: ImageRepository;
      onProgress?: (transferred: number) => void;
      signal?: AbortSignal;
    } = {},
  ): Promise<BlobOutcome> {
    const file = this.blobPath(descriptor.digest);
    await this.init();
    if (await exists(file)) return 'exists';
    const source = options.mountFrom;
    if (source instanceof OciLayoutRepository && source.dir !== this.dir) {
      if (
        await this.tryHardLink(
          source.blobPath(descriptor.digest),
          file,
          descriptor.size,
        )
      ) {
        options.onProgress?.(descriptor.size);
        return 'mounted';
      }
    }
    await retryOperation(
      () => this.writeBlob(descriptor, open, file, options),
      {
        policy: DEFAULT_RETRY_POLICY,
        isRetryable: error => !isAbortError(error) && isRetryableError(error),
        onRetry: reportRetry,
        description: `${this.location}@${descriptor.digest}`,
        signal: options.signal,
      },
    );
    return 'uploaded';
  }

  /**
   * The layout equivalent of a cross-repository mount: blobs are immutable and
   * content-addressed, so two layouts on one filesystem can share the file.
   * Any failure (other filesystem, no hard links) falls back to copying.
   */
  private async tryHardLink(
    from: string,
    to: string,
    size: number,
  ): Promise<boolean> {
    const info = await stat(from).catch(() => undefined);
    if (!info || info.size !== size) return false;
    try {
      await link(from, to);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EEXIST';
    }
  }

  private async writeBlob(
    descriptor: Descriptor,
    open: () => Promise<Readable>,
    file: string,
    options: {
      onProgress?: (transferred: number) => void;
      signal?: AbortSignal;
    },
  ): Promise<void> {
    const tmp = tempPath(this.dir, 'blob');
    try {
      await pipeline(
        await open(),
        new DigestVerifier({
          digest: descriptor.digest,
          size: descriptor.size,
          onProgress: options.onProgress,
          context: this.context(descriptor.digest),
        }),
        createWriteStream(tmp, { flags: 'wx', mode: 0o644 }),
        { signal: options.signal },
      );
      await rename(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true });
      if (options.signal?.aborted)
        throw new AbortError(undefined, { cause: options.signal.reason });
      throw error;
    }
  }

  async listTags(): Promise<string[]> {
    const index = await this.readIndex();
    const tags = index.manifests
      .map(m => m.annotations?.[REF_NAME_ANNOTATION])
      .filter((t): t is string => typeof t === 'string');
    return [...new Set(tags)];
  }

  /**
   * Referrers in a layout: the `sha256-<hex>` fallback tag index, plus any
   * index.json entry whose manifest names `digest` as its subject (what
   * `oras` and skopeo write).
   */
  async listReferrers(
    digest: string,
    signal?: AbortSignal,
  ): Promise<Descriptor[]> {
    assertSha256Digest(digest, this.context(digest));
    const found = new Map<string, Descriptor>();
    const fallback = await this.resolve(digest.replace(':', '-'), signal);
    if (fallback) {
      const bytes = await this.readManifestBlob(fallback.digest);
      for (const d of parseManifest(bytes, fallback.mediaType).manifests)
        found.set(d.digest, d);
    }
    const index = await this.readIndex();
    for (const entry of index.manifests) {
      if (found.has(entry.digest) || entry.digest === digest) continue;
      try {
        const parsed = parseManifest(
          await this.readManifestBlob(entry.digest),
          entry.mediaType,
        );
        if (parsed.subject?.digest === digest) {
          found.set(entry.digest, {
            mediaType: entry.mediaType,
            digest: entry.digest,
            size: entry.size,
            ...(parsed.artifactType
              ? { artifactType: parsed.artifactType }
              : {}),
          });
        }
      } catch {
        // An unreadable or unsupported entry is not a referrer of ours.
      }
    }
    return [...found.values()];
  }

  private assertTag(tag: string): void {
    if (!TAG_PATTERN.test(tag)) {
      throw new RegistryError(
        `invalid tag "${tag}" for ${this.location}: use letters, digits, '_', '.', '-' (max 128, not starting with '.' or '-')`,
        { ...this.context(tag), code: 'TAG_INVALID' },
      );
    }
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
