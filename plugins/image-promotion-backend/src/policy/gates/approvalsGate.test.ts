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

import { evaluateGate } from '../__fixtures__/evaluateGate';
import {
  DIGEST,
  OTHER_DIGEST,
  REQUESTER,
  input,
} from '../__fixtures__/policyInput';
import type { ApprovalFact, PolicyGateResult } from '../types';

const ALICE = 'user:default/alice';
const CAROL = 'user:default/carol';
const DAVE = 'user:default/dave';
const RELEASE = 'group:default/release-managers';
const SRE = 'group:default/sre';

function approved(approver: string, digest = DIGEST): ApprovalFact {
  return { approver, digest, decision: 'approved' };
}
function rejected(approver: string, digest = DIGEST): ApprovalFact {
  return { approver, digest, decision: 'rejected' };
}

const MEMBERSHIP = {
  [ALICE]: [RELEASE],
  [CAROL]: ['group:default/Release-Managers', 'group:default/devs'],
  [DAVE]: ['group:default/devs'],
  [REQUESTER]: [RELEASE],
};

describe('approvals gate', () => {
  it.each<[string, Parameters<typeof input>[0], PolicyGateResult]>([
    [
      'passes when no approval is required',
      { facts: { approvals: [approved(REQUESTER)] } },
      {
        gate: 'approvals',
        passed: true,
        message: 'no approval is required for prod',
      },
    ],
    [
      'waits when none has been given',
      { policy: { approvals: 1 } },
      {
        gate: 'approvals',
        passed: false,
        message:
          'prod needs 1 approval by someone other than the requester and has none yet',
      },
    ],
    [
      'passes with one approval by someone else',
      { policy: { approvals: 1 }, facts: { approvals: [approved(ALICE)] } },
      {
        gate: 'approvals',
        passed: true,
        message: `approved by ${ALICE} (1 of 1 required)`,
      },
    ],
    [
      'never counts the requester, and says so',
      {
        policy: { approvals: 1 },
        facts: { approvals: [approved(REQUESTER)] },
      },
      {
        gate: 'approvals',
        passed: false,
        message: `prod needs 1 approval by someone other than the requester and has none yet; ${REQUESTER} requested this promotion and cannot approve it themselves`,
      },
    ],
    [
      'recognises the requester whatever the case of the ref',
      {
        policy: { approvals: 1 },
        facts: { approvals: [approved('User:Default/Bob')] },
      },
      {
        gate: 'approvals',
        passed: false,
        message: `prod needs 1 approval by someone other than the requester and has none yet; ${REQUESTER} requested this promotion and cannot approve it themselves`,
      },
    ],
    [
      'counts distinct approvers only (four eyes means two people)',
      {
        policy: { approvals: 2 },
        facts: {
          approvals: [
            approved(ALICE),
            approved(ALICE),
            approved('user:default/ALICE'),
          ],
        },
      },
      {
        gate: 'approvals',
        passed: false,
        message: `prod needs 2 approvals by someone other than the requester and has 1 (${ALICE})`,
      },
    ],
    [
      'passes with enough distinct approvers',
      {
        policy: { approvals: 2 },
        facts: { approvals: [approved(ALICE), approved(CAROL)] },
      },
      {
        gate: 'approvals',
        passed: true,
        message: `approved by ${ALICE} and ${CAROL} (2 of 2 required)`,
      },
    ],
    [
      'ignores approvals bound to another digest',
      {
        policy: { approvals: 1 },
        facts: { approvals: [approved(ALICE, OTHER_DIGEST)] },
      },
      {
        gate: 'approvals',
        passed: false,
        message:
          'prod needs 1 approval by someone other than the requester and has none yet; 1 decision for another digest does not count',
      },
    ],
    [
      'fails on a rejection, even with enough approvals',
      {
        policy: { approvals: 1 },
        facts: { approvals: [approved(ALICE), rejected(CAROL)] },
      },
      {
        gate: 'approvals',
        passed: false,
        message: `rejected by ${CAROL}; this promotion cannot proceed, request a new one once the concern is addressed`,
        rejectedBy: [CAROL],
      },
    ],
    [
      'ignores a rejection bound to another digest',
      {
        policy: { approvals: 1 },
        facts: { approvals: [approved(ALICE), rejected(CAROL, OTHER_DIGEST)] },
      },
      {
        gate: 'approvals',
        passed: true,
        message: `approved by ${ALICE} (1 of 1 required)`,
      },
    ],
    [
      'with approver groups: counts members (refs compared case-insensitively)',
      {
        policy: { approvals: 2, approverGroups: [RELEASE] },
        facts: {
          approvals: [approved(ALICE), approved(CAROL)],
          approverGroupMembership: MEMBERSHIP,
        },
      },
      {
        gate: 'approvals',
        passed: true,
        message: `approved by ${ALICE} and ${CAROL} (2 of 2 required)`,
      },
    ],
    [
      'with approver groups: any of several groups will do',
      {
        policy: { approvals: 1, approverGroups: [SRE, 'group:default/devs'] },
        facts: {
          approvals: [approved(DAVE)],
          approverGroupMembership: MEMBERSHIP,
        },
      },
      {
        gate: 'approvals',
        passed: true,
        message: `approved by ${DAVE} (1 of 1 required)`,
      },
    ],
    [
      'with approver groups: non-members do not count, and are named',
      {
        policy: { approvals: 1, approverGroups: [RELEASE] },
        facts: {
          approvals: [approved(DAVE)],
          approverGroupMembership: MEMBERSHIP,
        },
      },
      {
        gate: 'approvals',
        passed: false,
        message: `prod needs 1 approval from a member of ${RELEASE} by someone other than the requester and has none yet; ${DAVE} is not a member of ${RELEASE}, so their approval does not count`,
      },
    ],
    [
      'with approver groups: unknown membership does not count',
      {
        policy: { approvals: 1, approverGroups: [RELEASE] },
        facts: { approvals: [approved(ALICE)] },
      },
      {
        gate: 'approvals',
        passed: false,
        message: `prod needs 1 approval from a member of ${RELEASE} by someone other than the requester and has none yet; the group membership of ${ALICE} is unknown, so their approval does not count`,
      },
    ],
    [
      'with approver groups: a rejection by a non-member does not block',
      {
        policy: { approvals: 1, approverGroups: [RELEASE] },
        facts: {
          approvals: [approved(ALICE), rejected(DAVE)],
          approverGroupMembership: MEMBERSHIP,
        },
      },
      {
        gate: 'approvals',
        passed: true,
        message: `approved by ${ALICE} (1 of 1 required)`,
      },
    ],
    [
      'with approver groups: the requester is excluded even as a member',
      {
        policy: { approvals: 2, approverGroups: [RELEASE, SRE] },
        facts: {
          approvals: [approved(REQUESTER), approved(ALICE)],
          approverGroupMembership: MEMBERSHIP,
        },
      },
      {
        gate: 'approvals',
        passed: false,
        message: `prod needs 2 approvals from members of ${RELEASE} or ${SRE} by someone other than the requester and has 1 (${ALICE}); ${REQUESTER} requested this promotion and cannot approve it themselves`,
      },
    ],
  ])('%s', (_, overrides, expected) => {
    expect(evaluateGate(input(overrides), 'approvals')).toEqual(expected);
  });

  it('does not let rollbacks skip approvals', () => {
    expect(
      evaluateGate(
        input({ isRollback: true, policy: { approvals: 1 } }),
        'approvals',
      ).passed,
    ).toBe(false);
  });
});
