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
  Descriptor,
  FetchedManifest,
  ImageRepository,
} from '../engine/types';
import {
  isForeignLayer,
  parseManifest,
  type ParsedManifest,
} from '../mediaTypes';
import type { Limiter } from './limiter';
import { RegistryError } from '../errors';

/** A manifest of the image graph with its exact bytes and its child manifests. */
export interface ManifestNode {
  descriptor: Descriptor;
  bytes: Buffer;
  parsed: ParsedManifest;
  children: ManifestNode[];
}

/** Everything one copy has to move. */
export interface ImageGraph {
  root: ManifestNode;
  /** Unique manifests, children before parents. */
  manifests: ManifestNode[];
  /** Unique blobs (config + layers), foreign layers excluded. */
  blobs: Descriptor[];
}

/**
 * Fetches (and verifies, through getManifest-by-digest) every manifest below
 * `root` and collects the blobs they need, deduplicated by digest.
 */
export async function walkImage(
  source: ImageRepository,
  root: FetchedManifest,
  limit: Limiter,
  signal?: AbortSignal,
): Promise<ImageGraph> {
  const nodes = new Map<string, Promise<ManifestNode>>();
  const ordered: ManifestNode[] = [];
  const blobs = new Map<string, Descriptor>();

  const visit = (
    fetched: FetchedManifest,
    ancestors: Set<string>,
  ): Promise<ManifestNode> => {
    const parsed = parseManifest(fetched.bytes, fetched.descriptor.mediaType);
    const lineage = new Set(ancestors).add(fetched.descriptor.digest);
    return Promise.all(
      parsed.manifests.map(child => {
        if (lineage.has(child.digest)) {
          throw new RegistryError(
            `manifest ${child.digest} in ${source.location} contains itself; the image is malformed`,
            { repository: source.repository, reference: child.digest },
          );
        }
        let pending = nodes.get(child.digest);
        if (!pending) {
          pending = limit(() => source.getManifest(child.digest, signal)).then(
            f =>
              visit(
                // Keep the media type the parent declares: that is what the bytes are pushed as.
                {
                  descriptor: { ...f.descriptor, mediaType: child.mediaType },
                  bytes: f.bytes,
                },
                lineage,
              ),
          );
          nodes.set(child.digest, pending);
        }
        return pending;
      }),
    ).then(children => {
      for (const blob of parsed.blobs) {
        if (!isForeignLayer(blob) && !blobs.has(blob.digest))
          blobs.set(blob.digest, blob);
      }
      const node: ManifestNode = {
        descriptor: { ...fetched.descriptor, mediaType: parsed.mediaType },
        bytes: fetched.bytes,
        parsed,
        children,
      };
      ordered.push(node);
      return node;
    });
  };

  const rootNode = await visit(root, new Set());
  return { root: rootNode, manifests: ordered, blobs: [...blobs.values()] };
}
