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

import type { ImageRepository } from '@image-promotion/plugin-image-promotion-node';
import type { SignatureFacts } from '../policy/types';
import { verifyCosignSignatures } from './verifyCosignSignatures';
import {
  type SignaturePolicy,
  verifySigstoreBundles,
} from './verifySigstoreBundles';

/**
 * What signs `digest`, by the keys: cosign's `sha256-<hex>.sig` signatures
 * and Sigstore bundles attached as referrers, read side by side. A key counts
 * when either form by it names the digest (with its transparency-log
 * entries verified, when the policy requires them). A registry failure in
 * one form propagates only when the other does not already cover every key.
 */
export async function checkSignatures(
  repository: ImageRepository,
  digest: string,
  policy: SignaturePolicy,
  signal?: AbortSignal,
): Promise<SignatureFacts> {
  const { keys } = policy;
  const [cosign, bundles] = await Promise.allSettled([
    verifyCosignSignatures(
      repository,
      digest,
      keys,
      signal,
      policy.transparencyLog,
    ),
    verifySigstoreBundles(repository, digest, policy, signal),
  ]);
  const verifiedBy = new Set<string>();
  const found: string[] = [];
  if (cosign.status === 'fulfilled') {
    cosign.value.verifiedBy.forEach(k => verifiedBy.add(k));
    found.push(...cosign.value.found);
  }
  if (bundles.status === 'fulfilled') {
    bundles.value.verifiedBy.forEach(k => verifiedBy.add(k));
    found.push(...bundles.value.found);
    if (bundles.value.bundles === 0) {
      found.push('no Sigstore bundle');
    }
  }
  const failed = [cosign, bundles].find(r => r.status === 'rejected');
  if (failed && keys.some(k => !verifiedBy.has(k.name))) {
    throw (failed as PromiseRejectedResult).reason;
  }
  return {
    verifiedBy: keys.map(k => k.name).filter(k => verifiedBy.has(k)),
    found,
  };
}
