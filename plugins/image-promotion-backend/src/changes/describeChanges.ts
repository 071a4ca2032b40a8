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
  ChangeHeadline,
  ChangeSummary,
  ImageLabelChange,
  LayerChange,
  PlatformChange,
} from '@image-promotion/plugin-image-promotion-common';
import type {
  InspectedImage,
  InspectedPlatform,
} from '@image-promotion/plugin-image-promotion-node';
import { compareUrl } from './compareLink';

const OCI = 'org.opencontainers.image';

/** The labels and annotations a person looks at, in the order shown. */
export const COMPARED_LABELS: ReadonlyArray<{ key: string; title: string }> = [
  { key: `${OCI}.version`, title: 'Version' },
  { key: `${OCI}.revision`, title: 'Revision' },
  { key: `${OCI}.source`, title: 'Source' },
  { key: `${OCI}.created`, title: 'Created' },
  { key: `${OCI}.base.name`, title: 'Base image' },
  { key: `${OCI}.base.digest`, title: 'Base digest' },
];

/**
 * A label's value: the top-level manifest's annotation, else the first
 * platform's manifest annotation, else its config label (where `docker build
 * --label` puts it); `created` falls back to the config's own field.
 */
export function labelOf(
  image: InspectedImage,
  key: string,
): string | undefined {
  if (image.annotations[key]) return image.annotations[key];
  for (const platform of image.platforms) {
    const value = platform.annotations[key] ?? platform.labels[key];
    if (value) return value;
  }
  if (key === `${OCI}.created`) return image.platforms[0]?.created;
  return undefined;
}

function compareLayers(
  from: InspectedPlatform | undefined,
  to: InspectedPlatform | undefined,
): LayerChange {
  const before = new Map((from?.layers ?? []).map(l => [l.digest, l.size]));
  const after = new Map((to?.layers ?? []).map(l => [l.digest, l.size]));
  const change: LayerChange = {
    added: 0,
    removed: 0,
    shared: 0,
    bytesAdded: 0,
    bytesRemoved: 0,
  };
  for (const [digest, size] of after) {
    if (before.has(digest)) change.shared += 1;
    else {
      change.added += 1;
      change.bytesAdded += size;
    }
  }
  for (const [digest, size] of before) {
    if (!after.has(digest)) {
      change.removed += 1;
      change.bytesRemoved += size;
    }
  }
  return change;
}

function comparePlatforms(
  current: InspectedImage | undefined,
  candidate: InspectedImage,
): PlatformChange[] {
  const before = new Map(
    (current?.platforms ?? []).map(p => [p.platform, p] as const),
  );
  const after = new Map(candidate.platforms.map(p => [p.platform, p] as const));
  const names = [...new Set([...after.keys(), ...before.keys()])];
  return names.map(name => {
    const from = before.get(name);
    const to = after.get(name);
    let status: PlatformChange['status'] = 'changed';
    if (!from) status = 'added';
    else if (!to) status = 'removed';
    else if (from.digest === to.digest) status = 'unchanged';
    return {
      platform: name,
      status,
      fromDigest: from?.digest ?? null,
      toDigest: to?.digest ?? null,
      sizeFrom: from?.size ?? null,
      sizeTo: to?.size ?? null,
      layers: compareLayers(from, to),
    };
  });
}

/**
 * Compares the image an environment runs now (`current`, undefined when it
 * has none) with the candidate of a promotion. Pure.
 */
export function describeChanges(
  current: InspectedImage | undefined,
  candidate: InspectedImage,
  options: { problem?: string; now?: Date } = {},
): ChangeSummary {
  const labels: ImageLabelChange[] = COMPARED_LABELS.map(({ key, title }) => {
    const from = current ? labelOf(current, key) ?? null : null;
    const to = labelOf(candidate, key) ?? null;
    return { key, title, from, to, changed: from !== to };
  });
  const revision = labels.find(l => l.key === `${OCI}.revision`);
  const source =
    labelOf(candidate, `${OCI}.source`) ??
    (current ? labelOf(current, `${OCI}.source`) : undefined);
  const compare =
    revision?.from && revision.to && revision.from !== revision.to
      ? {
          from: revision.from,
          to: revision.to,
          url: source
            ? compareUrl(source, revision.from, revision.to) ?? null
            : null,
        }
      : null;
  const platforms = comparePlatforms(current, candidate);
  const layers = platforms.reduce<LayerChange>(
    (sum, p) => ({
      added: sum.added + p.layers.added,
      removed: sum.removed + p.layers.removed,
      shared: sum.shared + p.layers.shared,
      bytesAdded: sum.bytesAdded + p.layers.bytesAdded,
      bytesRemoved: sum.bytesRemoved + p.layers.bytesRemoved,
    }),
    { added: 0, removed: 0, shared: 0, bytesAdded: 0, bytesRemoved: 0 },
  );
  const total = (image: InspectedImage) =>
    image.platforms.reduce((sum, p) => sum + p.size, 0);
  return {
    fromDigest: current?.digest ?? null,
    toDigest: candidate.digest,
    identical: current?.digest === candidate.digest,
    labels,
    compare,
    layers,
    size: { from: current ? total(current) : null, to: total(candidate) },
    platforms,
    problem: options.problem ?? null,
    comparedAt: (options.now ?? new Date()).toISOString(),
  };
}

/** The history line of a summary. */
export function headlineOf(summary: ChangeSummary): ChangeHeadline {
  const version = summary.labels.find(l => l.key === `${OCI}.version`);
  return {
    fromVersion: version?.from ?? null,
    toVersion: version?.to ?? null,
    layersAdded: summary.layers.added,
    layersRemoved: summary.layers.removed,
    sizeDelta:
      summary.size.from === null ? null : summary.size.to - summary.size.from,
    compareUrl: summary.compare?.url ?? null,
  };
}
