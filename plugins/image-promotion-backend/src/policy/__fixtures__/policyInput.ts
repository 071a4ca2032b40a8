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

import type {
  Environment,
  EnvironmentPolicy,
  Pipeline,
} from '../../domain/types';
import type { PolicyFacts, PolicyInput } from '../types';

/** Digests used across the policy tests. */
export const DIGEST = `sha256:${'a'.repeat(64)}`;
export const OTHER_DIGEST = `sha256:${'b'.repeat(64)}`;

/** Wednesday 4 March 2026, 12:00 UTC. */
export const NOW = new Date('2026-03-04T12:00:00Z');

export const REQUESTER = 'user:default/bob';

function policy(overrides: Partial<EnvironmentPolicy> = {}): EnvironmentPolicy {
  return {
    requirePreviousEnvironment: 'present',
    allowSkip: false,
    approvals: 0,
    approverGroups: [],
    soakTimeMs: 0,
    rollbackSkipsSoak: true,
    freezeWindows: [],
    immutableTags: false,
    signatureKeys: [],
    ...overrides,
  };
}

function environment(
  id: string,
  overrides: Partial<EnvironmentPolicy> = {},
  currentTag?: string,
): Environment {
  return {
    id,
    title: id.toUpperCase(),
    registry: id,
    repository: 'team-a/{{ image }}',
    ...(currentTag ? { currentTag } : {}),
    policy: policy(overrides),
  };
}

/** dev → qa → staging → prod, with `policy` applied to the environment named by `target`. */
export function pipeline(
  target = 'prod',
  overrides: Partial<EnvironmentPolicy> = {},
): Pipeline {
  return {
    name: 'default',
    environments: ['dev', 'qa', 'staging', 'prod'].map(id =>
      environment(
        id,
        id === target ? overrides : {},
        id === 'prod' ? 'prod' : undefined,
      ),
    ),
  };
}

/** A promotion staging → prod of DIGEST, present and current in staging for a day. */
export function input(
  overrides: Partial<Omit<PolicyInput, 'facts'>> & {
    policy?: Partial<EnvironmentPolicy>;
    facts?: Partial<PolicyFacts>;
  } = {},
): PolicyInput {
  const { policy: policyOverrides, facts, ...rest } = overrides;
  const targetEnvironmentId = rest.targetEnvironmentId ?? 'prod';
  return {
    pipeline: pipeline(targetEnvironmentId, policyOverrides),
    targetEnvironmentId,
    sourceEnvironmentId: 'staging',
    digest: DIGEST,
    targetTag: '1.2.3',
    requester: REQUESTER,
    now: NOW,
    isRollback: false,
    ...rest,
    facts: {
      sourceCurrentDigest: DIGEST,
      sourceVersion: {
        digest: DIGEST,
        firstSeen: new Date(NOW.getTime() - 24 * 3_600_000),
      },
      approvals: [],
      ...facts,
    },
  };
}
