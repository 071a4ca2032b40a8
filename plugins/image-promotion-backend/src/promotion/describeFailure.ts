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

import type { Promotion } from '../database';
import type { PromotionFailure } from '@image-promotion/plugin-image-promotion-common';

/** Where the two ends of a promotion live, in words (no credentials). */
export interface FailurePlaces {
  sourceTitle: string;
  sourceLocation: string | null;
  targetTitle: string;
  targetLocation: string | null;
}

// System errors of a directory registry (oci-layout), in the words of someone
// who configured it; the path stays in `detail`.
const SYSTEM_ERRORS: Array<[RegExp, string]> = [
  [/\bENOTDIR\b/, 'a part of its directory path is a file, not a directory'],
  [/\bENOENT\b/, 'a file or directory it needs does not exist'],
  [/\b(EACCES|EPERM)\b/, 'the backend may not read or write its directory'],
  [/\bENOSPC\b/, 'its disk is full'],
  [/\bEROFS\b/, 'its directory is on a read-only file system'],
];

function sourceSide(detail: string): boolean {
  return /\b(source|reading|read from|fetching|not found in)\b/i.test(detail);
}

/**
 * A failed promotion's reason as a sentence naming the environment and the
 * registry, e.g. `Promoting into Production (registry.example.com/team/a)
 * failed: the backend may not read or write its directory.`
 */
export function describeFailure(
  promotion: Promotion,
  places: FailurePlaces,
): PromotionFailure | null {
  if (promotion.status !== 'failed') return null;
  const detail = promotion.failureReason ?? 'no reason was recorded';
  const system = SYSTEM_ERRORS.find(([pattern]) => pattern.test(detail));
  const atSource = system !== undefined && sourceSide(detail);
  const environment = atSource
    ? promotion.sourceEnvironment
    : promotion.targetEnvironment;
  const registry = atSource ? places.sourceLocation : places.targetLocation;
  const at = (title: string, location: string | null) =>
    location ? `${title} (${location})` : title;
  const lead = `Promoting ${promotion.targetTag} from ${at(
    places.sourceTitle,
    places.sourceLocation,
  )} into ${at(places.targetTitle, places.targetLocation)} failed`;
  const message = system
    ? `${lead}: the registry of ${
        atSource ? places.sourceTitle : places.targetTitle
      } cannot be used, ${system[1]}.`
    : `${lead}: ${detail.replace(/\.?$/, '.')}`;
  return { message, detail, environment, registry };
}
