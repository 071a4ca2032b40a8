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

import type { Descriptor, Platform } from '../engine/types';

/** One `os/arch[/variant]` of a platform filter. */
export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

/** Parses `os/arch[/variant]`; throws a message that shows the expected form. */
export function parsePlatform(value: string): PlatformSpec {
  const parts = value.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some(p => p === '')) {
    throw new Error(
      `invalid platform "${value}": use os/arch or os/arch/variant, e.g. linux/arm64/v8`,
    );
  }
  const [os, architecture, variant] = parts;
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** Whether a platform satisfies a spec; a spec without variant accepts every variant. */
export function platformMatches(
  platform: Platform | undefined,
  spec: PlatformSpec,
): boolean {
  if (!platform) return false;
  return (
    platform.os === spec.os &&
    platform.architecture === spec.architecture &&
    (spec.variant === undefined || platform.variant === spec.variant)
  );
}

/** Formats a platform as `os/arch[/variant]`. */
export function formatPlatform(platform: Platform | undefined): string {
  if (!platform) return 'unknown';
  return [platform.os, platform.architecture, platform.variant]
    .filter(Boolean)
    .join('/');
}

/**
 * Whether an index entry is an attestation (buildkit's provenance/SBOM
 * manifests, `unknown/unknown`) rather than a runnable platform. Attestations
 * are ignored when deciding whether a filter selects "every platform".
 */
export function isAttestationEntry(descriptor: Descriptor): boolean {
  return (
    descriptor.annotations?.['vnd.docker.reference.type'] ===
      'attestation-manifest' ||
    (descriptor.platform?.os === 'unknown' &&
      descriptor.platform?.architecture === 'unknown')
  );
}
