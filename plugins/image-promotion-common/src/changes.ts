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

/**
 * One label or annotation that matters when comparing two images
 * (`org.opencontainers.image.version`, `.revision`, `.source`, `.created`,
 * `.base.name`, `.base.digest`), in the environment now and in the candidate.
 *
 * @public
 */
export interface ImageLabelChange {
  /** The OCI key, e.g. `org.opencontainers.image.version`. */
  key: string;
  /** What a person calls it: Version, Revision, Source, Created, Base image, Base digest. */
  title: string;
  /** Null when the current image has no such label, or the environment has no image yet. */
  from: string | null;
  to: string | null;
  changed: boolean;
}

/**
 * Layers of one comparison: matched by digest.
 *
 * @public
 */
export interface LayerChange {
  added: number;
  removed: number;
  shared: number;
  /** Compressed bytes of the added layers. */
  bytesAdded: number;
  /** Compressed bytes of the removed layers. */
  bytesRemoved: number;
}

/**
 * What changes on one platform (`linux/amd64`) of an image or index.
 *
 * @public
 */
export interface PlatformChange {
  platform: string;
  /** `added`: only the candidate has it; `removed`: only the current image has it. */
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  fromDigest: string | null;
  toDigest: string | null;
  /** Config plus layers, compressed, in bytes. */
  sizeFrom: number | null;
  sizeTo: number | null;
  layers: LayerChange;
}

/**
 * What a promotion changes in its target environment: the environment's
 * current image compared with the candidate. Shown before a promotion is
 * requested and stored with it.
 *
 * @public
 */
export interface ChangeSummary {
  /** The target environment's current digest; null when the environment has no image yet. */
  fromDigest: string | null;
  toDigest: string;
  /** Same digest on both sides: the promotion changes nothing but tags. */
  identical: boolean;
  labels: ImageLabelChange[];
  /** The commit range, when both images name a revision and the source is a GitHub or GitLab URL. */
  compare: {
    from: string;
    to: string;
    /** Link to the forge's compare view; null when the source is not a GitHub or GitLab URL. */
    url: string | null;
  } | null;
  /** Summed over platforms. */
  layers: LayerChange;
  /** Summed over platforms, compressed, in bytes; `from` is null without a current image. */
  size: { from: number | null; to: number };
  platforms: PlatformChange[];
  /** What could not be read (e.g. the current image is gone from the registry); null when everything was. */
  problem: string | null;
  /** When the comparison was made (ISO-8601). */
  comparedAt: string;
}

/**
 * The line of a {@link ChangeSummary} a history table shows.
 *
 * @public
 */
export interface ChangeHeadline {
  fromVersion: string | null;
  toVersion: string | null;
  layersAdded: number;
  layersRemoved: number;
  /** Size difference in bytes (candidate minus current); null without a current image. */
  sizeDelta: number | null;
  compareUrl: string | null;
}
