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
import type { PolicyGateResult } from './types';
import { NOW, OTHER_DIGEST, input } from './__fixtures__/policyInput';
import {
  evaluatePolicy,
  failedGates,
  isApprovalOnlyFailure,
} from './evaluatePolicy';

describe('evaluatePolicy', () => {
  it('returns every gate, in order, all passing for an open policy', () => {
    const results = evaluatePolicy(input());
    expect(results.map(r => r.gate)).toEqual([
      'order',
      'approvals',
      'soak',
      'freeze',
      'immutable-tag',
      'signatures',
    ]);
    expect(results.every(r => r.passed && r.message.length > 0)).toBe(true);
  });

  it('evaluates the policy of the target environment, not the source', () => {
    const promoteToQa = input({
      targetEnvironmentId: 'qa',
      sourceEnvironmentId: 'dev',
      policy: { approvals: 1 },
    });
    expect(failedGates(evaluatePolicy(promoteToQa)).map(r => r.gate)).toEqual([
      'approvals',
    ]);
    const promoteToStaging = {
      ...promoteToQa,
      targetEnvironmentId: 'staging',
      sourceEnvironmentId: 'qa',
    };
    expect(failedGates(evaluatePolicy(promoteToStaging))).toEqual([]);
  });

  it('reports several failures at once', () => {
    const results = evaluatePolicy(
      input({
        policy: {
          approvals: 1,
          soakTimeMs: 48 * 3_600_000,
          immutableTags: true,
          freezeWindows: [
            {
              kind: 'once',
              start: '2026-03-01T00:00:00Z',
              end: '2026-03-10T00:00:00Z',
            },
          ],
        },
        facts: { targetTagDigest: OTHER_DIGEST },
      }),
    );
    expect(failedGates(results).map(r => r.gate)).toEqual([
      'approvals',
      'soak',
      'freeze',
      'immutable-tag',
    ]);
  });

  it('depends on `now`, not on the wall clock', () => {
    const policyInput = input({ policy: { soakTimeMs: 3_600_000 } });
    const expected = evaluatePolicy(policyInput);
    jest.useFakeTimers({ now: new Date('2031-01-01T00:00:00Z') });
    try {
      expect(evaluatePolicy(policyInput)).toEqual(expected);
    } finally {
      jest.useRealTimers();
    }
    expect(NOW.toISOString()).toBe('2026-03-04T12:00:00.000Z');
  });

  it.each([
    ['target', { targetEnvironmentId: 'preprod' }],
    ['source', { sourceEnvironmentId: 'uat' }],
  ])('throws NotFoundError for an unknown %s environment', (_, overrides) => {
    expect(() => evaluatePolicy(input(overrides))).toThrow(NotFoundError);
    expect(() => evaluatePolicy(input(overrides))).toThrow(
      /is not part of pipeline default \(environments: dev, qa, staging, prod\)/,
    );
  });
});

describe('failedGates and isApprovalOnlyFailure', () => {
  const pass = (gate: GateResult['gate']): GateResult => ({
    gate,
    passed: true,
    message: 'ok',
  });
  const fail = (gate: GateResult['gate']): GateResult => ({
    gate,
    passed: false,
    message: 'no',
  });

  it.each<[string, PolicyGateResult[], boolean]>([
    ['everything passed', [pass('order'), pass('approvals')], false],
    [
      'only approvals missing',
      [pass('order'), fail('approvals'), pass('soak')],
      true,
    ],
    ['approvals and soak failing', [fail('approvals'), fail('soak')], false],
    ['order failing', [fail('order'), pass('approvals')], false],
    ['permission failing', [fail('permission')], false],
    [
      'approvals rejected',
      [
        {
          gate: 'approvals',
          passed: false,
          message: 'rejected',
          rejectedBy: ['user:default/carol'],
        } satisfies PolicyGateResult,
      ],
      false,
    ],
  ])('%s → %s', (_, results, expected) => {
    expect(isApprovalOnlyFailure(results)).toBe(expected);
  });

  it('sends a promotion that only lacks approvals to pending_approval', () => {
    const results = evaluatePolicy(input({ policy: { approvals: 1 } }));
    expect(isApprovalOnlyFailure(results)).toBe(true);
  });

  it('refuses a rejected promotion instead of letting it wait', () => {
    const results = evaluatePolicy(
      input({
        policy: { approvals: 1 },
        facts: {
          approvals: [
            {
              approver: 'user:default/carol',
              digest: input().digest,
              decision: 'rejected',
            },
          ],
        },
      }),
    );
    expect(isApprovalOnlyFailure(results)).toBe(false);
  });

  it('keeps only the failures, with their details', () => {
    const results = [pass('order'), fail('soak'), fail('freeze')];
    expect(failedGates(results)).toEqual([fail('soak'), fail('freeze')]);
  });
});
