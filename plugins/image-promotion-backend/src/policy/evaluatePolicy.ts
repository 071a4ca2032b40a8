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

import { NotFoundError } from '@backstage/errors';
import type { GateResult } from '../domain/types';
import { approvalsGate } from './gates/approvalsGate';
import { freezeGate } from './gates/freezeGate';
import { immutableTagGate } from './gates/immutableTagGate';
import { orderGate } from './gates/orderGate';
import type { PolicyContext } from './gates/PolicyContext';
import { signatureGate } from './gates/signatureGate';
import { soakGate } from './gates/soakGate';
import type { PolicyGateResult, PolicyInput } from './types';

function findEnvironment(input: PolicyInput, id: string) {
  const index = input.pipeline.environments.findIndex(
    environment => environment.id === id,
  );
  if (index === -1) {
    throw new NotFoundError(
      `Environment "${id}" is not part of pipeline ${
        input.pipeline.name
      } (environments: ${input.pipeline.environments
        .map(environment => environment.id)
        .join(', ')})`,
    );
  }
  return { environment: input.pipeline.environments[index], index };
}

/**
 * Evaluates every gate of the target environment's policy for one promotion:
 * order, approvals, soak, freeze and immutable-tag, in that order. Gates that
 * do not apply pass with a sentence saying so. Pure: no I/O, time is `now`.
 *
 * @throws NotFoundError when an environment is not part of the pipeline
 */
export function evaluatePolicy(input: PolicyInput): PolicyGateResult[] {
  const target = findEnvironment(input, input.targetEnvironmentId);
  const source = findEnvironment(input, input.sourceEnvironmentId);
  const context: PolicyContext = {
    ...input,
    target: target.environment,
    targetIndex: target.index,
    source: source.environment,
    sourceIndex: source.index,
  };
  return [
    orderGate(context),
    approvalsGate(context),
    soakGate(context),
    freezeGate(context),
    immutableTagGate(context),
    signatureGate(context),
  ];
}

/** The gates that did not pass. */
export function failedGates<T extends GateResult>(results: readonly T[]): T[] {
  return results.filter(result => !result.passed);
}

/**
 * True when approvals are all that is missing, so the promotion waits in
 * `pending_approval` instead of being refused. A rejection is not "missing".
 */
export function isApprovalOnlyFailure(results: readonly GateResult[]): boolean {
  const failed = failedGates(results);
  return (
    failed.length > 0 &&
    failed.every(
      result =>
        result.gate === 'approvals' &&
        !(
          'rejectedBy' in result &&
          Array.isArray(result.rejectedBy) &&
          result.rejectedBy.length > 0
        ),
    )
  );
}

/** Gates that pass by themselves once time has passed. */
const TIME_GATES = new Set<string>(['soak', 'freeze']);

/** Whether a request can be accepted now, and what it waits for. */
export interface RequestVerdict {
  /** Every failed gate is approvals (not a rejection) or a soak or freeze gate with a known end. */
  acceptable: boolean;
  /** Approvals are missing. */
  needsApproval: boolean;
  /** The latest end of the failed soak and freeze gates; undefined when none failed. */
  eligibleAt?: Date;
}

/**
 * Decides whether a request that does not pass every gate may still be
 * accepted ("request now, promote when ready"): it may when approvals and the
 * time gates are all that stop it, so approvers can review during the soak
 * and the worker starts the copy once the time gates pass.
 */
export function requestVerdict(
  results: readonly PolicyGateResult[],
): RequestVerdict {
  const failed = failedGates(results);
  let eligibleAt: Date | undefined;
  let acceptable = true;
  let needsApproval = false;
  for (const result of failed) {
    if (result.gate === 'approvals') {
      const rejected =
        'rejectedBy' in result &&
        Array.isArray(result.rejectedBy) &&
        result.rejectedBy.length > 0;
      if (rejected) acceptable = false;
      needsApproval = true;
    } else if (TIME_GATES.has(result.gate) && result.eligibleAt) {
      const at = new Date(result.eligibleAt);
      if (Number.isNaN(at.getTime())) acceptable = false;
      else if (!eligibleAt || at > eligibleAt) eligibleAt = at;
    } else {
      acceptable = false;
    }
  }
  return { acceptable, needsApproval, eligibleAt };
}
