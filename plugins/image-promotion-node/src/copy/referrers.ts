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

import type {
  CopyOptions,
  CopyProgressEvent,
  CopyResult,
  Descriptor,
  ImageRepository,
} from '../engine/types';
import { NotFoundError } from '../errors';
import { MediaTypes } from '../mediaTypes';

/** Copies one image; passed in so this module does not import the copy engine back. */
export type CopyOne = (
  source: ImageRepository,
  sourceRef: string,
  target: ImageRepository,
  targetRef: string | undefined,
  options: CopyOptions,
) => Promise<CopyResult>;

/** Tag suffixes cosign uses for signatures, attestations and SBOMs of `sha256-<hex>`. */
const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'];

/**
 * Copies what refers to the given manifests: OCI referrers (API or
 * `sha256-<hex>` fallback tag) by digest, and cosign's `sha256-<hex>.sig`,
 * `.att`, `.sbom` tags under the same tag. Referrers of referrers travel too.
 * A referrer the source still lists but no longer has is skipped with a
 * warning: the source is what it is, and a rerun must not fail the same way.
 * Returns the digests copied.
 */
export async function copyReferrers(
  source: ImageRepository,
  target: ImageRepository,
  subjects: string[],
  options: CopyOptions,
  emit: (event: CopyProgressEvent) => void,
  visited: Set<string>,
  copy: CopyOne,
): Promise<string[]> {
  const copied: string[] = [];
  const nested: CopyOptions = {
    ...options,
    platforms: 'all',
    noClobber: false,
  };
  for (const subject of subjects) {
    const referrers = await source.listReferrers(subject, options.signal);
    const stale = new Set<string>();
    for (const referrer of referrers.filter(r => !visited.has(r.digest))) {
      visited.add(referrer.digest);
      try {
        const result = await copy(
          source,
          referrer.digest,
          target,
          undefined,
          nested,
        );
        copied.push(result.digest, ...result.referrers);
      } catch (error) {
        if (
          !(error instanceof NotFoundError) ||
          error.reference !== referrer.digest
        ) {
          throw error;
        }
        stale.add(referrer.digest);
        emit({
          type: 'warning',
          message: `referrer ${referrer.digest}${
            referrer.artifactType ? ` (${referrer.artifactType})` : ''
          } of ${subject} is listed in ${
            source.location
          } but no longer exists there; skipped it`,
        });
      }
    }
    if (referrers.length) {
      await mirrorFallbackIndex(
        source,
        target,
        subject,
        referrers.filter(r => !stale.has(r.digest)),
        stale,
        options.signal,
        emit,
      );
    }
    for (const suffix of COSIGN_SUFFIXES) {
      const tag = `${subject.replace(':', '-')}.${suffix}`;
      const found = await source.resolve(tag, options.signal);
      if (!found || visited.has(`${tag}@${found.digest}`)) continue;
      visited.add(`${tag}@${found.digest}`);
      const result = await copy(source, tag, target, tag, nested);
      copied.push(result.digest, ...result.referrers);
    }
  }
  return [...new Set(copied)];
}

/** A referrers fallback index as stored: its bytes, and its JSON to build on. */
interface FallbackIndex {
  descriptor: Descriptor;
  bytes: Buffer;
  json: { manifests?: unknown } & Record<string, unknown>;
  entries: Descriptor[];
}

async function readFallbackIndex(
  repository: ImageRepository,
  tag: string,
  signal: AbortSignal | undefined,
): Promise<FallbackIndex | undefined> {
  const found = await repository.resolve(tag, signal);
  if (!found) return undefined;
  const { descriptor, bytes } = await repository.getManifest(
    found.digest,
    signal,
  );
  const json = JSON.parse(bytes.toString('utf8')) as FallbackIndex['json'];
  const entries = Array.isArray(json.manifests)
    ? (json.manifests as Descriptor[]).filter(
        d => typeof d?.digest === 'string',
      )
    : [];
  return { descriptor, bytes, json, entries };
}

/**
 * Lists the referrers in the target's `sha256-<hex>` tag index, as the OCI
 * distribution spec asks clients to do for registries without the referrers
 * API. When the source has such an index and the target has none (or only
 * entries the source lists too), the source's bytes are copied unchanged, so
 * the index keeps its digest whoever wrote it (Go clients order JSON keys
 * differently from us). Only when the target holds referrers of its own, or
 * the source's index lists entries that no longer exist, is an index built.
 */
async function mirrorFallbackIndex(
  source: ImageRepository,
  target: ImageRepository,
  subject: string,
  live: Descriptor[],
  stale: Set<string>,
  signal: AbortSignal | undefined,
  emit: (event: CopyProgressEvent) => void,
): Promise<void> {
  const tag = subject.replace(':', '-');
  const [fromSource, atTarget] = await Promise.all([
    readFallbackIndex(source, tag, signal),
    readFallbackIndex(target, tag, signal),
  ]);
  const put = async (bytes: Buffer, mediaType: string) => {
    const digest = await target.putManifest(tag, bytes, mediaType, signal);
    emit({ type: 'manifest', digest, mediaType, tag });
  };

  if (fromSource) {
    const listed = new Set(fromSource.entries.map(d => d.digest));
    const own = (atTarget?.entries ?? []).filter(d => !listed.has(d.digest));
    const complete = live.every(r => listed.has(r.digest));
    if (own.length === 0 && complete && stale.size === 0) {
      if (atTarget?.descriptor.digest !== fromSource.descriptor.digest) {
        await put(fromSource.bytes, fromSource.descriptor.mediaType);
      }
      return;
    }
  } else {
    // Referrers came from the source's API: nothing to copy byte for byte;
    // list them only where the target cannot find them itself.
    const known = new Set(
      (await target.listReferrers(subject, signal)).map(d => d.digest),
    );
    if (live.every(r => known.has(r.digest))) return;
  }

  // Build on what the target has, else on the source's index (keeping its
  // annotations), else on nothing; never list what does not exist.
  const base = atTarget ?? fromSource;
  const json: Record<string, unknown> = base
    ? { ...base.json }
    : { schemaVersion: 2, mediaType: MediaTypes.ociIndex };
  const entries = base?.entries ?? [];
  const manifests = entries.filter(d => !stale.has(d.digest));
  const have = new Set(manifests.map(d => d.digest));
  for (const r of live) if (!have.has(r.digest)) manifests.push(r);
  if (base === atTarget && manifests.length === entries.length) return;
  json.manifests = manifests;
  if (fromSource && !atTarget && stale.size) {
    emit({
      type: 'warning',
      message: `the referrers index ${tag} of ${source.location} lists ${stale.size} referrer(s) that no longer exist; ${target.location} gets it without them, so its digest differs from the source's`,
    });
  }
  await put(
    Buffer.from(JSON.stringify(json)),
    base?.descriptor.mediaType ?? MediaTypes.ociIndex,
  );
}
