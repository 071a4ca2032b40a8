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

import type { Promotion } from '../database';
import { describeFailure, summarizeFailure } from './describeFailure';

function failed(reason: string | null, status = 'failed'): Promotion {
  const at = new Date('2026-03-04T12:00:00Z');
  return {
    id: 'p-1',
    entityRef: 'component:default/checkout',
    sourceEnvironment: 'staging',
    targetEnvironment: 'prod',
    digest: `sha256:${'a'.repeat(64)}`,
    sourceTag: '1.2.0',
    targetTag: '1.2.0',
    reason: null,
    status: status as Promotion['status'],
    requestedBy: 'user:default/guest',
    isRollback: false,
    gateResults: [],
    failureReason: reason,
    bytesTotal: null,
    bytesCopied: 0,
    attempts: 1,
    leaseOwner: null,
    leaseExpiresAt: null,
    createdAt: at,
    updatedAt: at,
    startedAt: at,
    finishedAt: at,
    eligibleAt: null,
  };
}

const places = {
  sourceTitle: 'Staging',
  sourceLocation: 'registry.example.com/staging/checkout',
  targetTitle: 'Production',
  targetLocation: '/srv/registries/prod/checkout',
};

describe('describeFailure', () => {
  it('turns a system error of a directory registry into words naming the environment', () => {
    const failure = describeFailure(
      failed(
        "ENOTDIR: not a directory, open '/srv/registries/prod/checkout/oci-layout'",
      ),
      places,
    );
    expect(failure).toEqual({
      message:
        'Promoting 1.2.0 from Staging (registry.example.com/staging/checkout) into Production (/srv/registries/prod/checkout) failed: the registry of Production cannot be used, a part of its directory path is a file, not a directory.',
      detail:
        "ENOTDIR: not a directory, open '/srv/registries/prod/checkout/oci-layout'",
      environment: 'prod',
      registry: '/srv/registries/prod/checkout',
    });
  });

  it('blames the source when the error says it was reading', () => {
    const failure = describeFailure(
      failed("EACCES: permission denied, reading '/srv/registries/staging'"),
      places,
    );
    expect(failure?.environment).toBe('staging');
    expect(failure?.message).toContain(
      'the registry of Staging cannot be used, the backend may not read or write its directory.',
    );
  });

  it('keeps a reason that is already a sentence, with both ends named', () => {
    expect(
      describeFailure(failed('registry.example.com answered 503'), places)
        ?.message,
    ).toBe(
      'Promoting 1.2.0 from Staging (registry.example.com/staging/checkout) into Production (/srv/registries/prod/checkout) failed: registry.example.com answered 503.',
    );
  });

  it('says nothing for a promotion that did not fail', () => {
    expect(describeFailure(failed(null, 'succeeded'), places)).toBeNull();
  });
});

describe('summarizeFailure', () => {
  const names = {
    sourceTitle: 'Staging',
    sourceRegistry: 'staging',
    targetTitle: 'Production',
    targetRegistry: 'prod',
  };

  it('names the environment and registry of a system error, without the path', () => {
    const text = summarizeFailure(
      failed(
        "ENOTDIR: not a directory, open '/srv/registries/prod/checkout/oci-layout'",
      ),
      names,
    );
    expect(text).toBe(
      'The Production registry (prod) cannot be used: a part of its directory path is a file, not a directory.',
    );
  });

  it('keeps a reason that already names a registry', () => {
    const text = summarizeFailure(
      failed(
        'the prod registry at registry.example.com refused the connection; check that it is running',
      ),
      names,
    );
    expect(text).toBe(
      'The prod registry at registry.example.com refused the connection; check that it is running.',
    );
  });

  it('says where a reason that names no environment happened', () => {
    const text = summarizeFailure(
      failed('Gave up after 5 attempts: the replica stopped'),
      names,
    );
    expect(text).toBe(
      'Promoting into Production (registry prod): Gave up after 5 attempts: the replica stopped.',
    );
  });
});
