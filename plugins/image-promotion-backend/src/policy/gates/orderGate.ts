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

import { joinWords, shortDigest } from '../format';
import type { PolicyGateResult } from '../types';
import type { PolicyContext } from './PolicyContext';

/**
 * Promotions move forward one environment at a time (or further when the
 * target allows skipping), and only with a digest that is current or present
 * in the source, per the target's policy. Rollbacks are exempt.
 */
export function orderGate(context: PolicyContext): PolicyGateResult {
  const {
    pipeline,
    target,
    targetIndex,
    source,
    sourceIndex,
    digest,
    isRollback,
    facts,
  } = context;
  const policy = target.policy;
  const short = shortDigest(digest);
  const fail = (message: string): PolicyGateResult => ({
    gate: 'order',
    passed: false,
    message,
  });

  if (isRollback) {
    return {
      gate: 'order',
      passed: true,
      message: `rollback: ${short} was current in ${target.id} before, so the promotion order does not apply`,
    };
  }
  if (targetIndex === 0) {
    return fail(
      `${target.id} is the first environment of pipeline ${pipeline.name}; images enter it by being pushed there, not by promotion`,
    );
  }
  if (sourceIndex === targetIndex) {
    return fail(
      `${source.id} is both source and target; promote from an earlier environment`,
    );
  }
  if (sourceIndex > targetIndex) {
    return fail(
      `${source.id} comes after ${target.id} in pipeline ${pipeline.name}; promotions only move forward (to return ${target.id} to an earlier digest, roll back)`,
    );
  }
  const skipped = pipeline.environments
    .slice(sourceIndex + 1, targetIndex)
    .map(environment => environment.id);
  if (skipped.length > 0 && !policy.allowSkip) {
    return fail(
      `promoting from ${source.id} to ${target.id} would skip ${joinWords(
        skipped,
      )}, which ${target.id}'s policy does not allow; promote to ${
        skipped[skipped.length - 1]
      } first`,
    );
  }
  const skipNote =
    skipped.length > 0 ? `; skipping ${joinWords(skipped)} is allowed` : '';

  if (policy.requirePreviousEnvironment === 'current') {
    if (facts.sourceCurrentDigest === digest) {
      return {
        gate: 'order',
        passed: true,
        message: `${short} is current in ${source.id}${skipNote}`,
      };
    }
    return fail(
      facts.sourceCurrentDigest === undefined
        ? `${target.id} only accepts the digest current in ${source.id}, and ${source.id} has no current digest yet`
        : `${target.id} only accepts the digest current in ${
            source.id
          }, which is ${shortDigest(
            facts.sourceCurrentDigest,
          )}, not ${short}; promote ${short} to ${
            source.id
          } first or pick the current one`,
    );
  }
  const present =
    facts.sourceVersion?.digest === digest ||
    facts.sourceCurrentDigest === digest;
  if (present) {
    return {
      gate: 'order',
      passed: true,
      message: `${short} is present in ${source.id}${skipNote}`,
    };
  }
  return fail(
    `${short} has not been seen in ${source.id}; promote it to ${source.id} first`,
  );
}
