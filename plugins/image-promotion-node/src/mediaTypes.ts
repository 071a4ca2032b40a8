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

import type { Descriptor, Platform } from './engine/types';
import { assertSha256Digest } from './digest';
import { RegistryError, UnsupportedError } from './errors';

/** Manifest and index media types this engine understands. */
export const MediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerManifestList:
    'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerSchema1Signed:
    'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  ociEmptyJson: 'application/vnd.oci.empty.v1+json',
} as const;

/**
 * The Accept header for manifest requests. Schema 1 comes last (and with a
 * lower q) so that registries only hand it out when nothing else exists.
 */
export const MANIFEST_ACCEPT = [
  MediaTypes.ociIndex,
  MediaTypes.ociManifest,
  MediaTypes.dockerManifestList,
  MediaTypes.dockerManifest,
  `${MediaTypes.dockerSchema1Signed};q=0.5`,
  `${MediaTypes.dockerSchema1};q=0.4`,
].join(', ');

/** Largest manifest we agree to read; OCI asks registries to accept at least 4 MiB. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

/** Whether a media type is an index / manifest list. */
export function isIndexMediaType(mediaType: string): boolean {
  return (
    mediaType === MediaTypes.ociIndex ||
    mediaType === MediaTypes.dockerManifestList
  );
}

/** Whether a media type is a manifest (image or index), i.e. pushed to /manifests rather than /blobs. */
export function isManifestMediaType(mediaType: string): boolean {
  return (
    isIndexMediaType(mediaType) ||
    mediaType === MediaTypes.ociManifest ||
    mediaType === MediaTypes.dockerManifest ||
    mediaType === MediaTypes.dockerSchema1 ||
    mediaType === MediaTypes.dockerSchema1Signed
  );
}

/** A manifest's structure as far as copying is concerned. */
export interface ParsedManifest {
  mediaType: string;
  kind: 'index' | 'image';
  /** Child manifests (indexes only). */
  manifests: Descriptor[];
  /** Config and layers (image manifests only), in manifest order. */
  blobs: Descriptor[];
  /** The manifest this one refers to (OCI 1.1 referrers), if any. */
  subject?: Descriptor;
  artifactType?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringRecord(
  value: Json | undefined,
): Record<string, string> | undefined {
  if (!isObject(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

function parsePlatform(value: Json | undefined): Platform | undefined {
  if (!isObject(value)) return undefined;
  const { os, architecture, variant } = value;
  if (typeof os !== 'string' || typeof architecture !== 'string') {
    return undefined;
  }
  const platform: Platform = { os, architecture };
  if (typeof variant === 'string') platform.variant = variant;
  const osVersion = value['os.version'];
  if (typeof osVersion === 'string') platform['os.version'] = osVersion;
  return platform;
}

/** Validates one descriptor of a manifest; throws a message naming the bad field. */
export function parseDescriptor(
  value: Json | undefined,
  where: string,
): Descriptor {
  if (!isObject(value)) {
    throw new RegistryError(`${where} is not a descriptor object`);
  }
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || mediaType.length === 0) {
    throw new RegistryError(`${where} has no mediaType`);
  }
  if (typeof digest !== 'string') {
    throw new RegistryError(`${where} has no digest`);
  }
  assertSha256Digest(digest);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new RegistryError(`${where} has an invalid size`);
  }
  const descriptor: Descriptor = { mediaType, digest, size };
  const platform = parsePlatform(value.platform);
  if (platform) descriptor.platform = platform;
  if (typeof value.artifactType === 'string') {
    descriptor.artifactType = value.artifactType;
  }
  const annotations = stringRecord(value.annotations);
  if (annotations) descriptor.annotations = annotations;
  // Foreign layers point elsewhere through `urls`; keep them so the copy can skip them.
  if (Array.isArray(value.urls)) {
    descriptor.urls = value.urls.filter(
      (u): u is string => typeof u === 'string',
    );
  }
  return descriptor;
}

/**
 * Parses manifest bytes. The media type comes from the document itself, else
 * from the Content-Type it was served with, else from its shape.
 */
export function parseManifest(
  bytes: Buffer,
  contentType?: string,
): ParsedManifest {
  let doc: Json;
  try {
    doc = JSON.parse(bytes.toString('utf8')) as Json;
  } catch {
    throw new RegistryError('manifest is not valid JSON');
  }
  if (!isObject(doc)) throw new RegistryError('manifest is not a JSON object');
  const declared =
    typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const served = contentType?.split(';')[0].trim();
  let mediaType = declared ?? served;
  if (
    !mediaType ||
    mediaType === 'application/json' ||
    mediaType === 'application/octet-stream'
  ) {
    if (Array.isArray(doc.manifests)) mediaType = MediaTypes.ociIndex;
    else if (isObject(doc.config)) mediaType = MediaTypes.ociManifest;
    else if (Array.isArray(doc.fsLayers))
      mediaType = MediaTypes.dockerSchema1Signed;
    else throw new RegistryError('cannot tell what kind of manifest this is');
  }
  if (
    mediaType === MediaTypes.dockerSchema1 ||
    mediaType === MediaTypes.dockerSchema1Signed ||
    doc.schemaVersion === 1
  ) {
    throw new UnsupportedError(
      'Docker schema 1 manifests carry no blob sizes and cannot be copied verifiably; rebuild or re-push the image with a current Docker or buildkit',
    );
  }
  const subject =
    doc.subject === undefined
      ? undefined
      : parseDescriptor(doc.subject, 'subject');
  const artifactType =
    typeof doc.artifactType === 'string' ? doc.artifactType : undefined;
  if (isIndexMediaType(mediaType) || Array.isArray(doc.manifests)) {
    const list = Array.isArray(doc.manifests) ? doc.manifests : [];
    return {
      mediaType,
      kind: 'index',
      manifests: list.map((d, i) => parseDescriptor(d, `manifests[${i}]`)),
      blobs: [],
      subject,
      artifactType,
    };
  }
  const blobs: Descriptor[] = [parseDescriptor(doc.config, 'config')];
  const layers = Array.isArray(doc.layers) ? doc.layers : [];
  layers.forEach((d, i) => blobs.push(parseDescriptor(d, `layers[${i}]`)));
  return {
    mediaType,
    kind: 'image',
    manifests: [],
    blobs,
    subject,
    artifactType,
  };
}

/**
 * Whether a layer lives outside the registry (Windows foreign layers,
 * non-distributable layers with `urls`): registries refuse them, so copies
 * leave them where they are, like skopeo and crane do by default.
 */
export function isForeignLayer(descriptor: Descriptor): boolean {
  const urls = descriptor.urls;
  return (
    (descriptor.mediaType.includes('foreign') ||
      descriptor.mediaType.includes('nondistributable')) &&
    Array.isArray(urls) &&
    urls.length > 0
  );
}
