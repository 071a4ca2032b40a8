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

import { normalizeRegistryHost } from '../auth/credentials';
import { isDigest } from '../digest';
import type {
  BlobOutcome,
  CopyOptions,
  CopyProgressEvent,
  CopyResult,
  Descriptor,
  FetchedManifest,
  ImageRepository,
} from '../engine/types';
import {
  AbortError,
  DigestMismatchError,
  ImmutableTagError,
  NotFoundError,
  RegistryError,
  isAbortError,
  throwIfAborted,
} from '../errors';
import { parseManifest } from '../mediaTypes';
import { withRetryListener } from '../transport/retryContext';
import { walkImage, type ImageGraph, type ManifestNode } from './graph';
import { createLimiter } from './limiter';
import {
  formatPlatform,
  isAttestationEntry,
  parsePlatform,
  platformMatches,
} from './platforms';
import { copyReferrers, type CopyOne } from './referrers';

/**
 * Blobs in flight at once. Few big streams saturate a link better than many
 * small ones fighting for it; HEADs and manifest fetches use their own, wider bound.
 */
export const DEFAULT_CONCURRENCY = 4;
/** Parallel HEADs / manifest GETs: tiny requests, bounded by the agents' sockets too. */
const METADATA_CONCURRENCY = 16;
/** Progress events per blob are throttled to one per this many bytes. */
const PROGRESS_STEP_BYTES = 1024 * 1024;

/** Milliseconds since `started` (process.hrtime: node:perf_hooks costs start-up time). */
function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** The error for a source reference that does not exist. */
function notFound(repository: ImageRepository, reference: string) {
  return new NotFoundError(
    `${repository.location}${
      isDigest(reference) ? '@' : ':'
    }${reference} not found`,
    {
      registry: repository.registryHost ?? 'oci-layout',
      repository: repository.repository,
      reference,
      code: 'MANIFEST_UNKNOWN',
    },
  );
}

/** Resolves a tag or digest to its descriptor; throws {@link NotFoundError} when it does not exist. */
export async function resolveImage(
  repository: ImageRepository,
  reference: string,
  signal?: AbortSignal,
): Promise<Descriptor> {
  const descriptor = await repository.resolve(reference, signal);
  if (!descriptor) throw notFound(repository, reference);
  return descriptor;
}

/**
 * The source's root manifest. Fetched by GET straight away, which saves the
 * HEAD round trip every copy would otherwise start with, except on registries
 * that count GETs as pulls: there only the descriptor is resolved now.
 */
async function fetchSourceRoot(
  source: ImageRepository,
  reference: string,
  signal?: AbortSignal,
): Promise<{ descriptor: Descriptor; manifest?: FetchedManifest }> {
  // Docker Hub's pull limits count manifest GETs but not HEADs: there the
  // source is resolved with a HEAD first, so a promotion that is already
  // done costs no pull.
  if (
    source.registryHost !== undefined &&
    normalizeRegistryHost(source.registryHost) === 'docker.io'
  ) {
    return { descriptor: await resolveImage(source, reference, signal) };
  }
  try {
    const manifest = await source.getManifest(reference, signal);
    return { descriptor: manifest.descriptor, manifest };
  } catch (error) {
    // A layout says itself whether the directory or the tag is missing.
    if (error instanceof NotFoundError && source.registryHost !== undefined) {
      throw notFound(source, reference);
    }
    throw error;
  }
}

/**
 * The digest the target holds under `reference` (a tag, or the root's
 * digest), as its manifest bytes hash to. A registry's HEAD answer is only a
 * claim, and acting on a wrong one would skip a copy that is needed: the tag
 * would keep its old image while the copy reports it up to date. A GET costs
 * the same round trip and a few KB. Docker Hub keeps the HEAD, because there
 * every manifest GET counts as a pull; an OCI layout is read from disk.
 */
async function lookUpTarget(
  target: ImageRepository,
  reference: string,
  signal?: AbortSignal,
): Promise<{ digest: string } | undefined> {
  if (
    target.registryHost === undefined ||
    normalizeRegistryHost(target.registryHost) === 'docker.io'
  ) {
    return target.resolve(reference, signal);
  }
  try {
    return {
      digest: (await target.getManifest(reference, signal)).descriptor.digest,
    };
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    if (error instanceof DigestMismatchError) {
      // The bytes contradict the registry's digest header (or the digest
      // asked for): the tag holds what the bytes hash to, and a digest the
      // registry cannot serve intact counts as missing, to be pushed again.
      return isDigest(reference) ? undefined : { digest: error.actual };
    }
    throw error;
  }
}

/**
 * Copies an image (manifest or index, with every child and blob) from one
 * repository to another, by digest, under `targetRef` (a tag) or by digest
 * only when `targetRef` is undefined.
 */
export async function copyImage(
  source: ImageRepository,
  sourceRef: string,
  target: ImageRepository,
  targetRef: string | undefined,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const warnings: string[] = [];
  const emit = (event: CopyProgressEvent) => {
    if (event.type === 'warning') warnings.push(event.message);
    options.onProgress?.(event);
  };
  const result = await withRetryListener(
    options.onProgress ? event => emit({ type: 'retry', ...event }) : undefined,
    () =>
      runCopy(source, sourceRef, target, targetRef, options, emit, new Set()),
  );
  return { ...result, warnings };
}

/** The copy itself; `visited` guards referrer recursion against cycles. */
async function runCopy(
  source: ImageRepository,
  sourceRef: string,
  target: ImageRepository,
  targetRef: string | undefined,
  options: CopyOptions,
  emit: (event: CopyProgressEvent) => void,
  visited: Set<string>,
): Promise<CopyResult> {
  const started = process.hrtime.bigint();
  const { signal } = options;
  const nestedCopy: CopyOne = (s, sRef, t, tRef, o) =>
    runCopy(s, sRef, t, tRef, o, emit, visited);
  try {
    throwIfAborted(signal);
    if (targetRef !== undefined && isDigest(targetRef)) {
      throw new RegistryError(
        `target reference must be a tag, got digest ${targetRef}; omit it to push by digest`,
      );
    }
    // Source and target are independent: ask both at once, so a promotion
    // that is already done costs two round trips.
    const [{ descriptor: resolved, manifest: rootManifest }, existingTag] =
      await Promise.all([
        fetchSourceRoot(source, sourceRef, signal),
        targetRef === undefined
          ? Promise.resolve(undefined)
          : lookUpTarget(target, targetRef, signal),
      ]);
    let top: FetchedManifest | undefined;
    if (options.platforms !== undefined && options.platforms !== 'all') {
      top = await selectPlatform(
        source,
        rootManifest ?? (await source.getManifest(resolved.digest, signal)),
        options.platforms,
        signal,
      );
    }
    const digest = top?.descriptor.digest ?? resolved.digest;
    const mediaType = top?.descriptor.mediaType ?? resolved.mediaType;
    visited.add(digest);

    // By digest, presence of the root is enough: it is always pushed last,
    // after everything it references.
    const existing =
      targetRef === undefined
        ? await lookUpTarget(target, digest, signal)
        : existingTag;
    if (existing?.digest === digest) {
      const referrers = options.referrers
        ? await copyReferrers(
            source,
            target,
            [digest],
            options,
            emit,
            visited,
            nestedCopy,
          )
        : [];
      return {
        digest,
        mediaType,
        upToDate: true,
        manifests: 0,
        blobs: { total: 0, exists: 0, mounted: 0, uploaded: 0 },
        bytes: { total: 0, transferred: 0 },
        referrers,
        durationMs: elapsedMs(started),
      };
    }
    if (existing && targetRef !== undefined && options.noClobber) {
      throw new ImmutableTagError({
        location: target.location,
        tag: targetRef,
        existingDigest: existing.digest,
        requestedDigest: digest,
        registry: target.registryHost ?? 'oci-layout',
        repository: target.repository,
      });
    }

    top ??= rootManifest ?? (await source.getManifest(digest, signal));
    const metadataLimit = createLimiter(METADATA_CONCURRENCY);
    const graph = await walkImage(source, top, metadataLimit, signal);
    const totalBytes = graph.blobs.reduce((sum, b) => sum + b.size, 0);
    emit({
      type: 'plan',
      blobs: graph.blobs.length,
      bytes: totalBytes,
      manifests: graph.manifests.length,
    });

    const outcomes = await copyBlobs(
      source,
      target,
      graph,
      options,
      emit,
      metadataLimit,
    );
    throwIfAborted(signal);
    // With referrers, the root goes up by digest first and gets its tag only
    // after its signatures are in place: a tag never exists without them.
    const tagLater = options.referrers === true && targetRef !== undefined;
    await pushManifests(
      target,
      graph,
      tagLater ? undefined : targetRef,
      signal,
      emit,
    );

    const referrers = options.referrers
      ? await copyReferrers(
          source,
          target,
          graph.manifests.map(m => m.descriptor.digest),
          options,
          emit,
          visited,
          nestedCopy,
        )
      : [];
    if (tagLater) {
      // Last moment to honour an abort: past this line the tag moves.
      throwIfAborted(signal);
      await putManifestNode(target, graph.root, targetRef, signal, emit);
    }

    const count = (o: BlobOutcome) =>
      outcomes.filter(x => x.outcome === o).length;
    return {
      digest,
      mediaType: top.descriptor.mediaType,
      upToDate: false,
      manifests: graph.manifests.length,
      blobs: {
        total: graph.blobs.length,
        exists: count('exists'),
        mounted: count('mounted'),
        uploaded: count('uploaded'),
      },
      bytes: {
        total: totalBytes,
        transferred: outcomes
          .filter(o => o.outcome === 'uploaded')
          .reduce((sum, o) => sum + o.size, 0),
      },
      referrers,
      durationMs: elapsedMs(started),
    };
  } catch (error) {
    if (
      signal?.aborted ||
      (isAbortError(error) && !(error instanceof AbortError))
    ) {
      throw new AbortError(
        `copy of ${source.location}:${sourceRef} to ${target.location} was aborted; the target tag was not changed`,
        { cause: signal?.reason ?? error },
      );
    }
    throw error;
  }
}

/**
 * Applies the platform filter to an index. Copying a subset of an index would
 * need a new index with a new digest, which breaks "promote the same bits", so:
 * a filter that selects every runnable platform copies the index unchanged,
 * a filter that selects exactly one copies that platform's manifest (its digest
 * becomes the result), anything in between is refused.
 */
async function selectPlatform(
  source: ImageRepository,
  top: FetchedManifest,
  platforms: CopyOptions['platforms'],
  signal?: AbortSignal,
): Promise<FetchedManifest> {
  if (platforms === undefined || platforms === 'all') return top;
  const parsed = parseManifest(top.bytes, top.descriptor.mediaType);
  // A single-platform image is what it is: the filter only chooses inside indexes.
  if (parsed.kind !== 'index') return top;
  const specs = platforms.map(parsePlatform);
  const runnable = parsed.manifests.filter(m => !isAttestationEntry(m));
  const selected = runnable.filter(m =>
    specs.some(s => platformMatches(m.platform, s)),
  );
  const available = runnable.map(m => formatPlatform(m.platform)).join(', ');
  if (selected.length === 0) {
    throw new NotFoundError(
      `none of the platforms ${platforms.join(', ')} is in ${source.location}@${
        top.descriptor.digest
      }; it has ${available}`,
      { repository: source.repository, reference: top.descriptor.digest },
    );
  }
  if (selected.length === runnable.length) return top;
  if (selected.length === 1) {
    const child = await source.getManifest(selected[0].digest, signal);
    return {
      descriptor: { ...child.descriptor, mediaType: selected[0].mediaType },
      bytes: child.bytes,
    };
  }
  throw new RegistryError(
    `platforms ${platforms.join(', ')} select ${selected.length} of the ${
      runnable.length
    } platforms of ${source.location}@${
      top.descriptor.digest
    } (${available}); copying part of an index would change its digest — select one platform or all of them`,
    { repository: source.repository, reference: top.descriptor.digest },
  );
}

interface BlobResult {
  digest: string;
  size: number;
  outcome: BlobOutcome;
}

async function copyBlobs(
  source: ImageRepository,
  target: ImageRepository,
  graph: ImageGraph,
  options: CopyOptions,
  emit: (event: CopyProgressEvent) => void,
  metadataLimit: ReturnType<typeof createLimiter>,
): Promise<BlobResult[]> {
  const transferLimit = createLimiter(
    options.concurrency ?? DEFAULT_CONCURRENCY,
  );
  // One failure cancels its siblings instead of letting them run to the end.
  const internal = new AbortController();
  const signal = options.signal
    ? AbortSignal.any([options.signal, internal.signal])
    : internal.signal;

  // Within one registry a blob is mounted, not streamed: a mount costs one
  // small request and answers "already there" too, so it needs neither the
  // HEAD nor the tight bound that protects bandwidth.
  const mountable =
    source.registryHost !== undefined &&
    source.registryHost === target.registryHost &&
    source.repository !== target.repository;
  const limit = mountable ? metadataLimit : transferLimit;

  const copyOne = async (blob: Descriptor): Promise<BlobResult> => {
    const present =
      !mountable &&
      (await metadataLimit(() => target.hasBlob(blob.digest, signal)));
    if (present) {
      emit({
        type: 'blob',
        digest: blob.digest,
        size: blob.size,
        transferred: 0,
        status: 'done',
        outcome: 'exists',
      });
      return { digest: blob.digest, size: blob.size, outcome: 'exists' };
    }
    return limit(async () => {
      throwIfAborted(signal);
      emit({
        type: 'blob',
        digest: blob.digest,
        size: blob.size,
        transferred: 0,
        status: 'started',
      });
      let reported = 0;
      const outcome = await target.putBlob(
        blob,
        () => source.openBlob(blob, signal),
        {
          mountFrom: source,
          signal,
          onProgress: transferred => {
            if (
              transferred - reported >= PROGRESS_STEP_BYTES &&
              transferred < blob.size
            ) {
              reported = transferred;
              emit({
                type: 'blob',
                digest: blob.digest,
                size: blob.size,
                transferred,
                status: 'progress',
              });
            }
          },
        },
      );
      emit({
        type: 'blob',
        digest: blob.digest,
        size: blob.size,
        transferred: outcome === 'uploaded' ? blob.size : 0,
        status: 'done',
        outcome,
      });
      return { digest: blob.digest, size: blob.size, outcome };
    });
  };

  const settled = await Promise.allSettled(
    transferOrder(graph.blobs).map(blob =>
      copyOne(blob).catch(error => {
        internal.abort(error);
        throw error;
      }),
    ),
  );
  const failures = settled.filter(
    (s): s is PromiseRejectedResult => s.status === 'rejected',
  );
  if (failures.length) {
    // Report the cause, not the cancellations it triggered in siblings.
    const root = failures.find(f => !isAbortError(f.reason)) ?? failures[0];
    throw root.reason;
  }
  return settled.map(s => (s as PromiseFulfilledResult<BlobResult>).value);
}

/**
 * The order blobs are checked and copied in: the copy ends when its longest
 * transfer does, so the biggest blobs start first. Among blobs of one size,
 * later layers go first: a new version usually shares its base layers with
 * the last one and differs in the layers on top, so those are the likeliest
 * to need a transfer, and their check should not queue behind the others.
 */
export function transferOrder(blobs: Descriptor[]): Descriptor[] {
  return blobs
    .map((blob, index) => ({ blob, index }))
    .sort((a, b) => b.blob.size - a.blob.size || b.index - a.index)
    .map(entry => entry.blob);
}

/** Pushes one manifest under a tag or its digest, holding the target to the digest. */
async function putManifestNode(
  target: ImageRepository,
  node: ManifestNode,
  tag: string | undefined,
  signal: AbortSignal | undefined,
  emit: (event: CopyProgressEvent) => void,
): Promise<void> {
  const digest = node.descriptor.digest;
  const reported = await target.putManifest(
    tag ?? digest,
    node.bytes,
    node.descriptor.mediaType,
    signal,
  );
  if (reported !== digest) {
    throw new DigestMismatchError(
      `manifest pushed to ${target.location}`,
      digest,
      reported,
      {
        repository: target.repository,
        reference: tag ?? digest,
      },
    );
  }
  emit({
    type: 'manifest',
    digest,
    mediaType: node.descriptor.mediaType,
    ...(tag ? { tag } : {}),
  });
}

/** Pushes child manifests by digest (siblings in parallel), then the root under the tag. */
async function pushManifests(
  target: ImageRepository,
  graph: ImageGraph,
  targetRef: string | undefined,
  signal: AbortSignal | undefined,
  emit: (event: CopyProgressEvent) => void,
): Promise<void> {
  const pushed = new Map<string, Promise<void>>();
  const push = (node: ManifestNode, tag?: string) =>
    putManifestNode(target, node, tag, signal, emit);
  const pushTree = (node: ManifestNode): Promise<void> => {
    let pending = pushed.get(node.descriptor.digest);
    if (!pending) {
      pending = Promise.all(node.children.map(pushTree)).then(() => push(node));
      pushed.set(node.descriptor.digest, pending);
    }
    return pending;
  };
  await Promise.all(graph.root.children.map(pushTree));
  // Last moment to honour an abort: past this line the tag moves.
  throwIfAborted(signal);
  await push(graph.root, targetRef);
}
