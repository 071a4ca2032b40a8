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

import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { PolicyQueryUser } from '@backstage/plugin-permission-node';
import {
  imagePromotionApprovePermission,
  imagePromotionPromotePermission,
  imagePromotionReadPermission,
} from '@image-promotion/plugin-image-promotion-common';
import { ImagePromotionExamplePolicy } from './permissionPolicy';

function user(ref: string, groups: string[]): PolicyQueryUser {
  return {
    credentials: mockCredentials.user(ref),
    info: { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] },
  };
}

const guest = user('user:default/guest', ['group:default/team-a']);
const releaseManager = user('user:default/release-manager', [
  'group:default/release-managers',
]);

function ownerCondition(claims: string[]) {
  return {
    result: AuthorizeResult.CONDITIONAL,
    pluginId: 'catalog',
    resourceType: 'catalog-entity',
    conditions: {
      rule: 'IS_ENTITY_OWNER',
      resourceType: 'catalog-entity',
      params: { claims },
    },
  };
}

describe('ImagePromotionExamplePolicy', () => {
  const policy = new ImagePromotionExamplePolicy();

  it('lets owners promote their own services only', async () => {
    expect(
      await policy.handle(
        { permission: imagePromotionPromotePermission },
        guest,
      ),
    ).toEqual(ownerCondition(['user:default/guest', 'group:default/team-a']));
    expect(
      await policy.handle(
        { permission: imagePromotionPromotePermission },
        releaseManager,
      ),
    ).toEqual(
      ownerCondition([
        'user:default/release-manager',
        'group:default/release-managers',
      ]),
    );
  });

  it('lets release managers approve everywhere, others only on what they own', async () => {
    expect(
      await policy.handle(
        { permission: imagePromotionApprovePermission },
        releaseManager,
      ),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      await policy.handle(
        { permission: imagePromotionApprovePermission },
        guest,
      ),
    ).toEqual(ownerCondition(['user:default/guest', 'group:default/team-a']));
  });

  it('lets everyone read, and leaves the rest of the app allowed', async () => {
    expect(
      await policy.handle({ permission: imagePromotionReadPermission }, guest),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    expect(
      await policy.handle({
        permission: {
          type: 'basic',
          name: 'catalog.entity.create',
          attributes: { action: 'create' },
        },
      }),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });

  it('gives a caller without identity no ownership', async () => {
    expect(
      await policy.handle({ permission: imagePromotionPromotePermission }),
    ).toEqual(ownerCondition([]));
  });
});
