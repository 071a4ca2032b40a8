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
    const fresh = referrers.filter(r => !visited.has(r.digest));
    for (const referrer of fresh) {
      visited.add(referrer.digest);
      const result = await copy(
        source,
        referrer.digest,
        target,
        undefined,
        nested,
      );
      copied.push(result.digest, ...result.referrers);
    }
    if (referrers.length) {
      await ensureListed(target, subject, referrers, options.signal, emit);
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

/**
 * A target without the referrers API cannot find what we pushed by digest:
 * record the referrers in its `sha256-<hex>` tag index, as the OCI
 * distribution spec asks clients to do, merging with what is already there.
 */
async function ensureListed(
  target: ImageRepository,
  subject: string,
  referrers: Descriptor[],
  signal: AbortSignal | undefined,
  emit: (event: CopyProgressEvent) => void,
): Promise<void> {
  const listed = await target.listReferrers(subject, signal);
  const known = new Set(listed.map(d => d.digest));
  const missing = referrers.filter(r => !known.has(r.digest));
  if (!missing.length) return;
  const fallbackTag = subject.replace(':', '-');
  const existing = await target.resolve(fallbackTag, signal);
  let manifests: Descriptor[] = [];
  if (existing) {
    const index = JSON.parse(
      (await target.getManifest(existing.digest, signal)).bytes.toString(
        'utf8',
      ),
    ) as {
      manifests?: Descriptor[];
    };
    manifests = Array.isArray(index.manifests) ? index.manifests : [];
  }
  const have = new Set(manifests.map(m => m.digest));
  for (const r of missing) if (!have.has(r.digest)) manifests.push(r);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests,
    }),
  );
  const digest = await target.putManifest(
    fallbackTag,
    bytes,
    MediaTypes.ociIndex,
    signal,
  );
  emit({
    type: 'manifest',
    digest,
    mediaType: MediaTypes.ociIndex,
    tag: fallbackTag,
  });
}
