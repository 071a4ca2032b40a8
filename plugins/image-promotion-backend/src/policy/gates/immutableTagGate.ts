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

import { shortDigest } from '../format';
import type { PolicyGateResult } from '../types';
import type { PolicyContext } from './PolicyContext';

/** With immutable tags, an existing target tag may not be moved to another digest. */
export function immutableTagGate(context: PolicyContext): PolicyGateResult {
  const { target, targetTag, digest, facts } = context;
  const existing = facts.targetTagDigest;
  const pass = (message: string): PolicyGateResult => ({
    gate: 'immutable-tag',
    passed: true,
    message,
  });
  if (!target.policy.immutableTags) {
    return pass(`tags in ${target.id} may be moved (immutableTags is off)`);
  }
  if (target.currentTag !== undefined && targetTag === target.currentTag) {
    return pass(
      `"${targetTag}" is the tag that marks what runs in ${target.id}; promotions move it by design`,
    );
  }
  if (existing === undefined) {
    return pass(`tag "${targetTag}" does not exist in ${target.id} yet`);
  }
  if (existing === digest) {
    return pass(
      `tag "${targetTag}" in ${target.id} already points to ${shortDigest(
        digest,
      )}`,
    );
  }
  return {
    gate: 'immutable-tag',
    passed: false,
    message: `tag "${targetTag}" in ${
      target.id
    } already points to ${shortDigest(
      existing,
    )} and tags there are immutable; promote ${shortDigest(
      digest,
    )} under a new tag`,
  };
}
