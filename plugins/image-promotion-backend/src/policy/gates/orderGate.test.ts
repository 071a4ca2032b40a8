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
import { DIGEST, OTHER_DIGEST, input } from '../__fixtures__/policyInput';
import type { PolicyGateResult } from '../types';

const A = 'sha256:aaaaaaaaaaaa';
const B = 'sha256:bbbbbbbbbbbb';

describe('order gate', () => {
  it.each<[string, Parameters<typeof input>[0], PolicyGateResult]>([
    [
      'passes from the previous environment when the digest is present there',
      {},
      { gate: 'order', passed: true, message: `${A} is present in staging` },
    ],
    [
      'present: a digest seen in the source but no longer current there is fine',
      { facts: { sourceCurrentDigest: OTHER_DIGEST } },
      { gate: 'order', passed: true, message: `${A} is present in staging` },
    ],
    [
      'present: fails for a digest never seen in the source',
      {
        facts: { sourceCurrentDigest: OTHER_DIGEST, sourceVersion: undefined },
      },
      {
        gate: 'order',
        passed: false,
        message: `${A} has not been seen in staging; promote it to staging first`,
      },
    ],
    [
      'present: a version fact about another digest does not count',
      {
        facts: {
          sourceCurrentDigest: undefined,
          sourceVersion: { digest: OTHER_DIGEST, firstSeen: new Date(0) },
        },
      },
      {
        gate: 'order',
        passed: false,
        message: `${A} has not been seen in staging; promote it to staging first`,
      },
    ],
    [
      'current: passes for the current digest of the source',
      { policy: { requirePreviousEnvironment: 'current' } },
      { gate: 'order', passed: true, message: `${A} is current in staging` },
    ],
    [
      'current: fails for a digest present but not current, naming the current one',
      {
        policy: { requirePreviousEnvironment: 'current' },
        facts: { sourceCurrentDigest: OTHER_DIGEST },
      },
      {
        gate: 'order',
        passed: false,
        message: `prod only accepts the digest current in staging, which is ${B}, not ${A}; promote ${A} to staging first or pick the current one`,
      },
    ],
    [
      'current: fails when the source has no current digest',
      {
        policy: { requirePreviousEnvironment: 'current' },
        facts: { sourceCurrentDigest: undefined },
      },
      {
        gate: 'order',
        passed: false,
        message:
          'prod only accepts the digest current in staging, and staging has no current digest yet',
      },
    ],
    [
      'refuses to skip environments unless allowed',
      { sourceEnvironmentId: 'dev' },
      {
        gate: 'order',
        passed: false,
        message:
          "promoting from dev to prod would skip qa and staging, which prod's policy does not allow; promote to staging first",
      },
    ],
    [
      'allows skipping with allowSkip, and says so',
      { sourceEnvironmentId: 'qa', policy: { allowSkip: true } },
      {
        gate: 'order',
        passed: true,
        message: `${A} is present in qa; skipping staging is allowed`,
      },
    ],
    [
      'with allowSkip the digest must still be in the source',
      {
        sourceEnvironmentId: 'dev',
        policy: { allowSkip: true, requirePreviousEnvironment: 'current' },
        facts: { sourceCurrentDigest: OTHER_DIGEST },
      },
      {
        gate: 'order',
        passed: false,
        message: `prod only accepts the digest current in dev, which is ${B}, not ${A}; promote ${A} to dev first or pick the current one`,
      },
    ],
    [
      'refuses to promote backwards',
      { targetEnvironmentId: 'qa', sourceEnvironmentId: 'staging' },
      {
        gate: 'order',
        passed: false,
        message:
          'staging comes after qa in pipeline default; promotions only move forward (to return qa to an earlier digest, roll back)',
      },
    ],
    [
      'refuses the same environment as source and target',
      { sourceEnvironmentId: 'prod' },
      {
        gate: 'order',
        passed: false,
        message:
          'prod is both source and target; promote from an earlier environment',
      },
    ],
    [
      'refuses promotions into the first environment',
      { targetEnvironmentId: 'dev', sourceEnvironmentId: 'dev' },
      {
        gate: 'order',
        passed: false,
        message:
          'dev is the first environment of pipeline default; images enter it by being pushed there, not by promotion',
      },
    ],
    [
      'exempts a rollback, even from another order',
      {
        isRollback: true,
        sourceEnvironmentId: 'prod',
        policy: { requirePreviousEnvironment: 'current' },
        facts: { sourceCurrentDigest: OTHER_DIGEST, sourceVersion: undefined },
      },
      {
        gate: 'order',
        passed: true,
        message: `rollback: ${A} was current in prod before, so the promotion order does not apply`,
      },
    ],
  ])('%s', (_, overrides, expected) => {
    expect(evaluateGate(input(overrides), 'order')).toEqual(expected);
  });

  it('compares the full digest, not a prefix', () => {
    const lookalike = `${DIGEST.slice(0, -1)}b`;
    expect(
      evaluateGate(
        input({
          digest: lookalike,
          policy: { requirePreviousEnvironment: 'current' },
        }),
        'order',
      ).passed,
    ).toBe(false);
  });
});
