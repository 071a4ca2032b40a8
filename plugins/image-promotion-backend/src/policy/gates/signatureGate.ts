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

import type { PolicyGateResult } from '../types';
import type { PolicyContext } from './PolicyContext';

/**
 * The promoted digest carries a valid signature (cosign `.sig` tag or
 * Sigstore bundle referrer) by every key the target environment's
 * `policy.signatures` lists.
 */
export function signatureGate(context: PolicyContext): PolicyGateResult {
  const keys = context.target.policy.signatureKeys;
  if (keys.length === 0) {
    return {
      gate: 'signatures',
      passed: true,
      message: `${context.target.title} requires no signature.`,
    };
  }
  const facts = context.facts.signatures;
  if (!facts) {
    return {
      gate: 'signatures',
      passed: false,
      message: `${context.target.title} requires a signature by ${keys
        .map(k => k.name)
        .join(', ')}, and the signatures could not be checked.`,
    };
  }
  const missing = keys.filter(k => !facts.verifiedBy.includes(k.name));
  if (missing.length === 0) {
    return {
      gate: 'signatures',
      passed: true,
      message: `Signed by ${keys.map(k => k.name).join(', ')}.`,
    };
  }
  return {
    gate: 'signatures',
    passed: false,
    // What was found is said in the source environment's terms: the
    // registry's location (a directory, a host) would add nothing a reader
    // can act on.
    message: `${context.target.title} requires a signature of ${
      context.digest
    } by ${missing.map(k => k.name).join(', ')}; in ${
      context.source.title
    } found ${
      facts.found.length ? facts.found.join('; ') : 'no other signature'
    }.`,
  };
}
