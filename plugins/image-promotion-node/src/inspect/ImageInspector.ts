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

import type { Descriptor, ImageRepository, Platform } from '../engine/types';
import { parseManifest } from '../mediaTypes';
import { readSmallBlob } from './readSmallBlob';

/** One image manifest as the preview needs it. */
export interface InspectedPlatform {
  /** `os/arch[/variant]` from the index entry, else from the config. */
  platform: string;
  /** Digest of the image manifest. */
  digest: string;
  configDigest: string;
  /** Layers in manifest order. */
  layers: Array<{ digest: string; size: number }>;
  /** Config plus layers, compressed, in bytes. */
  size: number;
  /** `config.Labels` of the image config. */
  labels: Record<string, string>;
  /** Annotations of the image manifest. */
  annotations: Record<string, string>;
  /** `created` of the image config. */
  created?: string;
}

/** An image or index, reduced to what a comparison looks at. */
export interface InspectedImage {
  digest: string;
  mediaType: string;
  kind: 'index' | 'image';
  /** Annotations of the top-level manifest (the index for a multi-platform image). */
  annotations: Record<string, string>;
  /** One entry per platform; attestation manifests of an index are left out. */
  platforms: InspectedPlatform[];
}

/** Options of {@link ImageInspector}. */
export interface ImageInspectorOptions {
  /** Images kept in memory (default 500); content is immutable, so entries never go stale. */
  maxEntries?: number;
}

type Json = { [key: string]: unknown };

function asRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === 'string') out[key] = v;
    }
  }
  return out;
}

function formatPlatformOf(platform: Platform | undefined): string | undefined {
  if (!platform) return undefined;
  return [platform.os, platform.architecture, platform.variant]
    .filter(Boolean)
    .join('/');
}

/**
 * Reads what an image is made of (manifests, configs, layers, labels,
 * annotations) through the engine's repositories, caching by digest: content
 * behind a digest never changes, so a preview opened twice reads the
 * registry once.
 */
export class ImageInspector {
  private readonly maxEntries: number;
  private readonly cache = new Map<string, Promise<InspectedImage>>();

  constructor(options: ImageInspectorOptions = {}) {
    this.maxEntries = options.maxEntries ?? 500;
  }

  /** Inspects the image or index `digest` of `repository`. */
  inspect(
    repository: ImageRepository,
    digest: string,
    signal?: AbortSignal,
  ): Promise<InspectedImage> {
    const cached = this.cache.get(digest);
    if (cached) {
      // Refresh its place: the map's order is the eviction order.
      this.cache.delete(digest);
      this.cache.set(digest, cached);
      return cached;
    }
    const pending = this.read(repository, digest, signal);
    this.cache.set(digest, pending);
    // A failure (a stalled registry, a missing image) is not content: forget it.
    pending.catch(() => {
      if (this.cache.get(digest) === pending) this.cache.delete(digest);
    });
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
    return pending;
  }

  private async read(
    repository: ImageRepository,
    digest: string,
    signal?: AbortSignal,
  ): Promise<InspectedImage> {
    const fetched = await repository.getManifest(digest, signal);
    const parsed = parseManifest(fetched.bytes, fetched.descriptor.mediaType);
    const doc = JSON.parse(fetched.bytes.toString('utf8')) as Json;
    const annotations = asRecord(doc.annotations);
    if (parsed.kind === 'image') {
      const platform = await this.readPlatform(
        repository,
        fetched.descriptor,
        fetched.bytes,
        signal,
      );
      return {
        digest,
        mediaType: parsed.mediaType,
        kind: 'image',
        annotations,
        platforms: [platform],
      };
    }
    const children = parsed.manifests.filter(
      child =>
        // buildx stores attestations as `unknown/unknown` entries of the index.
        child.platform?.os !== 'unknown' &&
        child.annotations?.['vnd.docker.reference.type'] !==
          'attestation-manifest',
    );
    const platforms: InspectedPlatform[] = [];
    for (const child of children) {
      const manifest = await repository.getManifest(child.digest, signal);
      platforms.push(
        await this.readPlatform(repository, child, manifest.bytes, signal),
      );
    }
    return {
      digest,
      mediaType: parsed.mediaType,
      kind: 'index',
      annotations,
      platforms,
    };
  }

  private async readPlatform(
    repository: ImageRepository,
    descriptor: Descriptor,
    bytes: Buffer,
    signal?: AbortSignal,
  ): Promise<InspectedPlatform> {
    const parsed = parseManifest(bytes, descriptor.mediaType);
    const doc = JSON.parse(bytes.toString('utf8')) as Json;
    const [config, ...layers] = parsed.blobs;
    let configDoc: Json = {};
    if (config) {
      try {
        configDoc = JSON.parse(
          (await readSmallBlob(repository, config, signal)).toString('utf8'),
        ) as Json;
      } catch (error) {
        if (signal?.aborted) throw error;
        // An artefact's config may not be JSON at all; its layers still compare.
        configDoc = {};
      }
    }
    const inner = asObject(configDoc.config);
    const fromConfig = formatPlatformOf(
      typeof configDoc.os === 'string' &&
        typeof configDoc.architecture === 'string'
        ? {
            os: configDoc.os,
            architecture: configDoc.architecture,
            ...(typeof configDoc.variant === 'string'
              ? { variant: configDoc.variant }
              : {}),
          }
        : undefined,
    );
    return {
      platform:
        formatPlatformOf(descriptor.platform) ?? fromConfig ?? 'unknown',
      digest: descriptor.digest,
      configDigest: config?.digest ?? '',
      layers: layers.map(layer => ({ digest: layer.digest, size: layer.size })),
      size: parsed.blobs.reduce((sum, blob) => sum + blob.size, 0),
      labels: asRecord(inner.Labels),
      annotations: asRecord(doc.annotations),
      ...(typeof configDoc.created === 'string'
        ? { created: configDoc.created }
        : {}),
    };
  }
}

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}
