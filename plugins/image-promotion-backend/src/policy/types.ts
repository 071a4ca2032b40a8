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

import type { GateResult, Pipeline } from '../domain/types';

/** One approval or rejection recorded for a promotion. */
export interface ApprovalFact {
  /** User entity ref of who decided. */
  approver: string;
  /** The digest the decision was made for; only decisions for the promoted digest count. */
  digest: string;
  decision: 'approved' | 'rejected';
}

/** What the caller knows about the world when the policy is evaluated. */
export interface PolicyFacts {
  /** The digest the source environment is on now. */
  sourceCurrentDigest?: string;
  /** The promoted digest as a version of the source environment, if it was ever seen there. */
  sourceVersion?: { digest: string; firstSeen: Date };
  /** What the target tag points to in the target environment now, if the tag exists. */
  targetTagDigest?: string;
  approvals: ApprovalFact[];
  /** Group entity refs per user entity ref, for the approvers; needed when approverGroups is set. */
  approverGroupMembership?: Record<string, string[]>;
  /** What the signature check found; absent when the target has no signature gate. */
  signatures?: SignatureFacts;
}

/** What was found about the promoted digest's signatures, per configured key. */
export interface SignatureFacts {
  /** Keys (by name) with a valid signature over a payload naming the digest. */
  verifiedBy: string[];
  /** What was found instead, in words (no signature tag, a signature by another key, a payload for another digest, …). */
  found: string[];
}

/** Everything the policy needs to judge one promotion, gathered by the caller. */
export interface PolicyInput {
  pipeline: Pipeline;
  targetEnvironmentId: string;
  sourceEnvironmentId: string;
  digest: string;
  targetTag: string;
  /** User entity ref of who requested the promotion. */
  requester: string;
  now: Date;
  /** The digest was current in the target environment before (the caller checks the history). */
  isRollback: boolean;
  facts: PolicyFacts;
}

/**
 * A gate's verdict. Structurally a {@link GateResult}, with details that let
 * the caller act without parsing the sentence.
 */
export interface PolicyGateResult extends GateResult {
  /** For a failed soak or freeze gate: the ISO instant at which it passes by itself. */
  eligibleAt?: string;
  /** For the approvals gate: who rejected the digest; a rejection cannot be outvoted. */
  rejectedBy?: string[];
}
