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

/** What a system error of a directory registry (`ENOTDIR: …`) means, in words; undefined for other errors. */
export function systemErrorPhrase(detail: string): string | undefined {
  return SYSTEM_ERRORS.find(([pattern]) => pattern.test(detail))?.[1];
}

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

/**
 * A failed promotion's reason in one sentence for its environment's lane,
 * naming the environment and its registry, e.g. `The Production registry
 * (prod) cannot be used: its disk is full.`; the detail view keeps the full
 * error. Paths on the backend are left out: they mean nothing to the reader.
 */
export function summarizeFailure(
  promotion: Pick<
    Promotion,
    'failureReason' | 'sourceEnvironment' | 'targetEnvironment'
  >,
  names: {
    sourceTitle: string;
    sourceRegistry: string | null;
    targetTitle: string;
    targetRegistry: string | null;
  },
): string {
  const detail = promotion.failureReason ?? '';
  const system = SYSTEM_ERRORS.find(([pattern]) => pattern.test(detail));
  const atSource = system !== undefined && sourceSide(detail);
  const title = atSource ? names.sourceTitle : names.targetTitle;
  const registry = atSource ? names.sourceRegistry : names.targetRegistry;
  const where = `the ${title} registry${
    registry && registry !== title ? ` (${registry})` : ''
  }`;
  if (!detail) {
    return `The promotion into ${names.targetTitle} failed without a recorded reason.`;
  }
  if (system) {
    return `${where[0].toUpperCase()}${where.slice(1)} cannot be used: ${
      system[1]
    }.`;
  }
  const text = detail
    .replace(/'?(\/[\w.@+-]+){2,}\/?'?/g, '(a path on the backend)')
    .replace(/\.?$/, '.');
  // Already in the user's terms when it names the environment or a registry.
  const named = [
    names.targetTitle,
    promotion.targetEnvironment,
    names.sourceTitle,
    promotion.sourceEnvironment,
  ].some(n =>
    text.toLocaleLowerCase('en-US').includes(n.toLocaleLowerCase('en-US')),
  );
  return named || /\bregistry\b/i.test(text)
    ? `${text[0].toUpperCase()}${text.slice(1)}`
    : `Promoting into ${names.targetTitle}${
        names.targetRegistry && names.targetRegistry !== names.targetTitle
          ? ` (registry ${names.targetRegistry})`
          : ''
      }: ${text}`;
}
