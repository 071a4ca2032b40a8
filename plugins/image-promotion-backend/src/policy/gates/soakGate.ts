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

import { formatDuration, formatInstant, shortDigest } from '../format';
import type { PolicyGateResult } from '../types';
import type { PolicyContext } from './PolicyContext';

/** The digest must have been in the source environment for the target's soak time. */
export function soakGate(context: PolicyContext): PolicyGateResult {
  const { target, source, digest, now, isRollback, facts } = context;
  const required = target.policy.soakTimeMs;
  const short = shortDigest(digest);
  if (required <= 0) {
    return {
      gate: 'soak',
      passed: true,
      message: `no soak time is required before ${target.id}`,
    };
  }
  if (isRollback && target.policy.rollbackSkipsSoak) {
    return {
      gate: 'soak',
      passed: true,
      message: `rollback: the ${formatDuration(
        required,
      )} soak time does not apply to a digest that was current in ${
        target.id
      } before`,
    };
  }
  const version = facts.sourceVersion;
  if (!version || version.digest !== digest) {
    return {
      gate: 'soak',
      passed: false,
      message: `${short} has not been seen in ${
        source.id
      }, so its ${formatDuration(required)} soak time there has not started`,
    };
  }
  const elapsed = Math.max(0, now.getTime() - version.firstSeen.getTime());
  if (elapsed >= required) {
    return {
      gate: 'soak',
      passed: true,
      message: `${short} has been in ${source.id} for ${formatDuration(
        elapsed,
      )}, at least the required ${formatDuration(required)}`,
    };
  }
  const eligibleAt = new Date(version.firstSeen.getTime() + required);
  return {
    gate: 'soak',
    passed: false,
    message: `${short} has been in ${source.id} for ${formatDuration(
      elapsed,
    )} of the required ${formatDuration(required)}; eligible at ${formatInstant(
      eligibleAt,
      now,
    )}`,
    eligibleAt: eligibleAt.toISOString(),
  };
}
