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

import type { Readable } from 'node:stream';

/** An OCI content descriptor: what a manifest says about one of its children. */
export interface Descriptor {
  mediaType: string;
  /** `sha256:<64 hex>` */
  digest: string;
  size: number;
  platform?: Platform;
  artifactType?: string;
  annotations?: Record<string, string>;
  /** Where a foreign / non-distributable layer can be downloaded; such layers are not copied. */
  urls?: string[];
}

/** The platform of one manifest inside an index. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
}

/** A manifest as fetched: the exact bytes and what they are. */
export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
}

/** What happened to one blob during a copy. */
export type BlobOutcome = 'exists' | 'mounted' | 'uploaded';

/** Progress events emitted while copying. */
export type CopyProgressEvent =
  | { type: 'plan'; blobs: number; bytes: number; manifests: number }
  | {
      type: 'blob';
      digest: string;
      size: number;
      /** bytes of this blob transferred so far */
      transferred: number;
      status: 'started' | 'progress' | 'done';
      outcome?: BlobOutcome;
    }
  | { type: 'manifest'; digest: string; mediaType: string; tag?: string }
  | {
      type: 'retry';
      attempt: number;
      delayMs: number;
      reason: string;
      url: string;
      /** Host of the registry that failed. */
      registry?: string;
      /** What was retried, e.g. `blob sha256:… of team/app`. */
      subject?: string;
    }
  /** Something the user should know that did not stop the copy (a stale referrer skipped). */
  | { type: 'warning'; message: string };

/**
 * One repository of images: a repository in an OCI distribution registry, or
 * an on-disk OCI image layout. The copy engine only talks to this interface.
 */
export interface ImageRepository {
  /** Human-readable location, e.g. `localhost:5000/team/app` or `oci-layout:/data/app`. Never holds credentials. */
  readonly location: string;
  /** Registry host (`host[:port]`) for registries, undefined for layouts; used to decide on cross-repository mounts. */
  readonly registryHost?: string;
  /** Repository path inside the registry (`team/app`), or the layout path. */
  readonly repository: string;

  /** Resolves a tag or digest to its descriptor without fetching the body; undefined when not found. */
  resolve(
    reference: string,
    signal?: AbortSignal,
  ): Promise<Descriptor | undefined>;
  /** Fetches a manifest by tag or digest; the bytes are verified against the digest. Throws a NotFound error when missing. */
  getManifest(
    reference: string,
    signal?: AbortSignal,
  ): Promise<FetchedManifest>;
  /** Stores manifest bytes exactly as given under a tag or under their digest; returns the digest the store reports. */
  putManifest(
    reference: string,
    bytes: Buffer,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<string>;
  /** Whether the blob is present. */
  hasBlob(digest: string, signal?: AbortSignal): Promise<boolean>;
  /** Opens a blob for streaming. */
  openBlob(descriptor: Descriptor, signal?: AbortSignal): Promise<Readable>;
  /**
   * Stores a blob, streaming it from `open()` (called again on retry) and
   * verifying digest and size before the upload is committed. When `mountFrom`
   * is a repository on the same registry, a cross-repository mount is tried
   * first and an upload is the fallback.
   */
  putBlob(
    descriptor: Descriptor,
    open: () => Promise<Readable>,
    options?: {
      mountFrom?: ImageRepository;
      onProgress?: (transferred: number) => void;
      signal?: AbortSignal;
    },
  ): Promise<BlobOutcome>;
  /** All tags, following pagination. */
  listTags(signal?: AbortSignal): Promise<string[]>;
  /** Referrers of a digest (OCI referrers API, falling back to the `sha256-<hex>` tag); empty when none. */
  listReferrers(digest: string, signal?: AbortSignal): Promise<Descriptor[]>;
}

/** Options of {@link copyImage}. */
export interface CopyOptions {
  /** `all` (default) or a list of `os/arch[/variant]`. */
  platforms?: 'all' | string[];
  /** Refuse to move an existing target tag to another digest. */
  noClobber?: boolean;
  /** Also copy referrers (OCI referrers API and `sha256-<hex>` fallback tag) and `sha256-<hex>.sig/.att/.sbom` tags. */
  referrers?: boolean;
  /** Maximum blobs in flight. */
  concurrency?: number;
  onProgress?: (event: CopyProgressEvent) => void;
  signal?: AbortSignal;
}

/** What a copy did. */
export interface CopyResult {
  /** Digest of the top-level manifest, identical at source and target. */
  digest: string;
  mediaType: string;
  /** True when the target tag already pointed at the digest and nothing was copied. */
  upToDate: boolean;
  manifests: number;
  blobs: { total: number; exists: number; mounted: number; uploaded: number };
  bytes: { total: number; transferred: number };
  /** Extra artefacts copied (signatures, SBOMs, attestations), by digest. */
  referrers: string[];
  /** What the copy skipped or changed and the user should know (also sent as `warning` events). */
  warnings?: string[];
  durationMs: number;
}
