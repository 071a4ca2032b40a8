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

import { joinWords, plural } from '../format';
import type { PolicyGateResult } from '../types';
import type { PolicyContext } from './PolicyContext';

// Entity refs compare case-insensitively.
function normalizeRef(ref: string): string {
  return ref.trim().toLocaleLowerCase('en-US');
}

// Keyed by normalised ref; the first spelling seen is the one shown.
function remember(map: Map<string, string>, key: string, ref: string): void {
  if (!map.has(key)) map.set(key, ref);
}

function groupPhrase(groups: readonly string[], count: number): string {
  if (groups.length === 0) return '';
  const who = count === 1 ? 'a member' : 'members';
  return ` from ${who} of ${groups.join(' or ')}`;
}

/**
 * N distinct approvers, never the requester, optionally from given groups;
 * only decisions for this digest count, and any rejection fails the gate.
 */
export function approvalsGate(context: PolicyContext): PolicyGateResult {
  const { target, digest, requester, facts } = context;
  const required = target.policy.approvals;
  if (required <= 0) {
    return {
      gate: 'approvals',
      passed: true,
      message: `no approval is required for ${target.id}`,
    };
  }

  const groups = target.policy.approverGroups.map(normalizeRef);
  const membership = new Map<string, Set<string>>();
  for (const [user, userGroups] of Object.entries(
    facts.approverGroupMembership ?? {},
  )) {
    membership.set(normalizeRef(user), new Set(userGroups.map(normalizeRef)));
  }
  const requesterKey = normalizeRef(requester);

  const approvedBy = new Map<string, string>();
  const rejectedBy = new Map<string, string>();
  const outsiders = new Map<string, string>();
  const unknown = new Map<string, string>();
  let selfApproved = false;
  let otherDigest = 0;

  for (const decision of facts.approvals) {
    if (decision.digest !== digest) {
      otherDigest += 1;
      continue;
    }
    const key = normalizeRef(decision.approver);
    if (key === requesterKey) {
      selfApproved ||= decision.decision === 'approved';
      continue;
    }
    if (groups.length > 0) {
      const userGroups = membership.get(key);
      if (!userGroups) {
        remember(unknown, key, decision.approver);
        continue;
      }
      if (!groups.some(group => userGroups.has(group))) {
        remember(outsiders, key, decision.approver);
        continue;
      }
    }
    remember(
      decision.decision === 'rejected' ? rejectedBy : approvedBy,
      key,
      decision.approver,
    );
  }

  if (rejectedBy.size > 0) {
    const names = [...rejectedBy.values()];
    return {
      gate: 'approvals',
      passed: false,
      message: `rejected by ${joinWords(
        names,
      )}; this promotion cannot proceed, request a new one once the concern is addressed`,
      rejectedBy: names,
    };
  }
  const approvers = [...approvedBy.values()];
  if (approvers.length >= required) {
    return {
      gate: 'approvals',
      passed: true,
      message: `approved by ${joinWords(approvers)} (${
        approvers.length
      } of ${required} required)`,
    };
  }

  const notes: string[] = [];
  if (selfApproved) {
    notes.push(
      `${requester} requested this promotion and cannot approve it themselves`,
    );
  }
  if (outsiders.size > 0) {
    notes.push(
      `${joinWords([...outsiders.values()])} ${
        outsiders.size === 1 ? 'is not a member' : 'are not members'
      } of ${groups.join(' or ')}, so their approval does not count`,
    );
  }
  if (unknown.size > 0) {
    notes.push(
      `the group membership of ${joinWords([
        ...unknown.values(),
      ])} is unknown, so their approval does not count`,
    );
  }
  if (otherDigest > 0) {
    notes.push(
      `${plural(otherDigest, 'decision')} for another digest ${
        otherDigest === 1 ? 'does' : 'do'
      } not count`,
    );
  }
  const have =
    approvers.length > 0
      ? `has ${approvers.length} (${joinWords(approvers)})`
      : 'has none yet';
  return {
    gate: 'approvals',
    passed: false,
    message: [
      `${target.id} needs ${plural(required, 'approval')}${groupPhrase(
        groups,
        required,
      )} by someone other than the requester and ${have}`,
      ...notes,
    ].join('; '),
  };
}
