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

describe('immutable-tag gate', () => {
  it.each<[string, Parameters<typeof input>[0], PolicyGateResult]>([
    [
      'passes when tags may move',
      { facts: { targetTagDigest: OTHER_DIGEST } },
      {
        gate: 'immutable-tag',
        passed: true,
        message: 'tags in prod may be moved (immutableTags is off)',
      },
    ],
    [
      'passes for a new tag',
      { policy: { immutableTags: true } },
      {
        gate: 'immutable-tag',
        passed: true,
        message: 'tag "1.2.3" does not exist in prod yet',
      },
    ],
    [
      'passes when the tag already points to this digest (idempotent retry)',
      { policy: { immutableTags: true }, facts: { targetTagDigest: DIGEST } },
      {
        gate: 'immutable-tag',
        passed: true,
        message: 'tag "1.2.3" in prod already points to sha256:aaaaaaaaaaaa',
      },
    ],
    [
      'fails when the tag points to another digest',
      {
        policy: { immutableTags: true },
        facts: { targetTagDigest: OTHER_DIGEST },
      },
      {
        gate: 'immutable-tag',
        passed: false,
        message:
          'tag "1.2.3" in prod already points to sha256:bbbbbbbbbbbb and tags there are immutable; promote sha256:aaaaaaaaaaaa under a new tag',
      },
    ],
    [
      "exempts the environment's current tag, which promotions move by design",
      {
        targetTag: 'prod',
        policy: { immutableTags: true },
        facts: { targetTagDigest: OTHER_DIGEST },
      },
      {
        gate: 'immutable-tag',
        passed: true,
        message:
          '"prod" is the tag that marks what runs in prod; promotions move it by design',
      },
    ],
    [
      'holds for rollbacks under a version tag',
      {
        isRollback: true,
        policy: { immutableTags: true },
        facts: { targetTagDigest: OTHER_DIGEST },
      },
      {
        gate: 'immutable-tag',
        passed: false,
        message:
          'tag "1.2.3" in prod already points to sha256:bbbbbbbbbbbb and tags there are immutable; promote sha256:aaaaaaaaaaaa under a new tag',
      },
    ],
  ])('%s', (_, overrides, expected) => {
    expect(evaluateGate(input(overrides), 'immutable-tag')).toEqual(expected);
  });
});
