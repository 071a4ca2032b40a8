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

import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  AuthorizeResult,
  PermissionCriteria,
  PermissionCondition,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  generatedEntities,
  generatedRef,
  OWNERS,
} from '../__testUtils__/seedCatalog';
import { catalogQueryFromConditions } from './catalogConditions';
import { inScope, PermittedEntities } from './PermittedEntities';

const credentials = mockCredentials.user('user:default/lead-3');
const COUNT = 2500;
const REFS = Array.from({ length: COUNT }, (_, i) => generatedRef(i));

function condition(
  rule: string,
  params: Record<string, unknown>,
): PermissionCondition {
  return {
    rule,
    resourceType: 'catalog-entity',
    params,
  } as PermissionCondition;
}

function conditional(
  conditions: PermissionCriteria<PermissionCondition>,
): PolicyDecision {
  return {
    result: AuthorizeResult.CONDITIONAL,
    pluginId: 'catalog',
    resourceType: 'catalog-entity',
    conditions,
  };
}

function setUp(decision: PolicyDecision) {
  const permissions = mockServices.permissions.mock({
    authorizeConditional: async requests => requests.map(() => decision),
    // Custom rules in this test: every third component is allowed.
    authorize: async requests =>
      requests.map(r => ({
        result:
          'resourceRef' in r &&
          Number(String(r.resourceRef).split('-')[1]) % 3 === 0
            ? AuthorizeResult.ALLOW
            : AuthorizeResult.DENY,
      })),
  });
  const catalog = catalogServiceMock({
    entities: [
      ...generatedEntities(0, COUNT),
      // Not tracked: never in a scope, even when owned.
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: { name: 'untracked', namespace: 'default' },
        relations: [{ type: 'ownedBy', targetRef: 'group:default/team-3' }],
      },
    ],
  });
  const queryEntities = jest.spyOn(catalog, 'queryEntities');
  const permitted = new PermittedEntities({
    permissions,
    catalog,
    auth: mockServices.auth(),
  });
  return { permissions, permitted, queryEntities };
}

describe('PermittedEntities', () => {
  it('answers ALLOW and DENY with one question and no candidates', async () => {
    for (const [result, expected] of [
      [AuthorizeResult.ALLOW, true],
      [AuthorizeResult.DENY, false],
    ] as const) {
      const { permitted, permissions } = setUp({ result });
      const candidates = jest.fn(async () => REFS);
      const scope = await permitted.scope('read', credentials, { candidates });
      expect(inScope(scope, REFS[5])).toBe(expected);
      expect(permissions.authorizeConditional).toHaveBeenCalledTimes(1);
      expect(permissions.authorize).not.toHaveBeenCalled();
      expect(candidates).not.toHaveBeenCalled();
    }
  });

  it('turns an isEntityOwner decision into a catalog query, in pages, without asking per component', async () => {
    const { permitted, permissions, queryEntities } = setUp(
      conditional(
        condition('IS_ENTITY_OWNER', {
          claims: ['user:default/lead-3', 'group:default/team-3'],
        }),
      ),
    );
    const scope = await permitted.scope('read', credentials, {
      candidates: async () => REFS,
    });
    expect(scope.all).toBe(false);
    const allowed = REFS.filter(ref => inScope(scope, ref));
    expect(allowed).toHaveLength(COUNT / OWNERS);
    expect(allowed.every(ref => Number(ref.split('-')[1]) % 10 === 3)).toBe(
      true,
    );
    expect(inScope(scope, 'component:default/untracked')).toBe(false);
    expect(permissions.authorizeConditional).toHaveBeenCalledTimes(1);
    expect(permissions.authorize).not.toHaveBeenCalled();
    expect(queryEntities).toHaveBeenCalledTimes(1);
  });

  it('reads a large conditional scope in pages of 1,000', async () => {
    const { permitted, queryEntities } = setUp(
      conditional(condition('IS_ENTITY_KIND', { kinds: ['Component'] })),
    );
    const scope = await permitted.scope('read', credentials, {
      candidates: async () => REFS,
    });
    expect(REFS.filter(ref => inScope(scope, ref))).toHaveLength(COUNT);
    expect(queryEntities.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(queryEntities.mock.calls.length).toBeLessThanOrEqual(4);
  });

  it('falls back to authorize in batches of at most 100 for rules the catalog cannot query', async () => {
    const { permitted, permissions, queryEntities } = setUp(
      conditional({
        anyOf: [
          condition('IS_ENTITY_OWNER', { claims: ['group:default/team-3'] }),
          condition('HAS_CUSTOM_THING', { thing: 1 }),
        ],
      }),
    );
    const scope = await permitted.scope('read', credentials, {
      candidates: async () => REFS,
    });
    expect(REFS.filter(ref => inScope(scope, ref))).toHaveLength(
      Math.ceil(COUNT / 3),
    );
    expect(queryEntities).not.toHaveBeenCalled();
    const sizes = permissions.authorize.mock.calls.map(
      ([requests]) => requests.length,
    );
    expect(sizes).toHaveLength(COUNT / 100);
    expect(Math.max(...sizes)).toBe(100);
  });

  it('filters a short list with one authorize request', async () => {
    const { permitted, permissions } = setUp({ result: AuthorizeResult.DENY });
    const allowed = await permitted.filter(
      'read',
      REFS.slice(0, 30),
      credentials,
    );
    expect([...allowed]).toEqual(
      REFS.slice(0, 30).filter((_, i) => i % 3 === 0),
    );
    expect(permissions.authorize).toHaveBeenCalledTimes(1);
    expect(permissions.authorizeConditional).not.toHaveBeenCalled();
  });
});

describe('catalogQueryFromConditions', () => {
  it('translates the catalog rules to the keys of their toQuery', () => {
    expect(
      catalogQueryFromConditions({
        allOf: [
          condition('IS_ENTITY_KIND', { kinds: ['Component', 'Resource'] }),
          {
            not: condition('HAS_LABEL', { label: 'tier', value: 'legacy' }),
          },
          {
            anyOf: [
              condition('HAS_ANNOTATION', {
                annotation: 'backstage.io/managed-by-location',
              }),
              condition('HAS_SPEC', { key: 'lifecycle', value: 'production' }),
              condition('HAS_METADATA', { key: 'namespace', value: 'default' }),
            ],
          },
        ],
      }),
    ).toEqual({
      $all: [
        { kind: { $in: ['Component', 'Resource'] } },
        { $not: { 'metadata.labels.tier': 'legacy' } },
        {
          $any: [
            {
              'metadata.annotations.backstage.io/managed-by-location': {
                $exists: true,
              },
            },
            { 'spec.lifecycle': 'production' },
            { 'metadata.namespace': 'default' },
          ],
        },
      ],
    });
  });

  it('folds conditions that match nothing or everything', () => {
    const nobody = condition('IS_ENTITY_OWNER', { claims: [] });
    expect(catalogQueryFromConditions(nobody)).toBe(false);
    expect(catalogQueryFromConditions({ not: nobody })).toBe(true);
    expect(
      catalogQueryFromConditions({
        anyOf: [nobody, condition('IS_ENTITY_KIND', { kinds: ['component'] })],
      }),
    ).toEqual({ kind: 'component' });
    expect(catalogQueryFromConditions({ allOf: [nobody] })).toBe(false);
  });

  it('gives up on a rule it does not know, or on malformed parameters', () => {
    expect(
      catalogQueryFromConditions({
        allOf: [
          condition('IS_ENTITY_KIND', { kinds: ['x'] }),
          condition('X', {}),
        ],
      }),
    ).toBeUndefined();
    expect(
      catalogQueryFromConditions(condition('IS_ENTITY_OWNER', { claims: 'x' })),
    ).toBeUndefined();
  });
});
