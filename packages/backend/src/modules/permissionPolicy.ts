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

// The example app's permission policy: what a platform team would ship.
//
// - Everyone signed in may see promotions (image-promotion.read).
// - Owners promote their services: image-promotion.promote is allowed on a
//   component only when the user (or one of their groups) owns it.
// - Release managers approve production: members of
//   group:default/release-managers may approve on every component; anyone
//   else only on components they own. Which environments need whose approval
//   is app-config's part: production lists
//   `approverGroups: [group:default/release-managers]`, so an owner's
//   approval does not count there.
// - The four-eyes rule (never your own request) is enforced by the plugin
//   itself and cannot be switched off by a policy.
// - Everything else in the app (catalog, notifications, ...) stays allowed.
//
// Change it here: for example, let a platform group promote everywhere by
// returning ALLOW for its members before the owner condition.

import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  createCatalogConditionalDecision,
  catalogConditions,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  isPermission,
  type PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  imagePromotionApprovePermission,
  imagePromotionPromotePermission,
} from '@image-promotion/plugin-image-promotion-common';

/** The group whose members approve production (and may approve anywhere). */
export const RELEASE_MANAGERS = 'group:default/release-managers';

function claims(user: PolicyQueryUser | undefined): string[] {
  return user?.info.ownershipEntityRefs ?? [];
}

function isMember(user: PolicyQueryUser | undefined, group: string): boolean {
  const wanted = group.toLocaleLowerCase('en-US');
  return claims(user).some(ref => ref.toLocaleLowerCase('en-US') === wanted);
}

/** Owners promote; release managers (and owners) approve; everything else is allowed. */
export class ImagePromotionExamplePolicy implements PermissionPolicy {
  constructor(private readonly releaseManagers: string = RELEASE_MANAGERS) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    if (isPermission(permission, imagePromotionPromotePermission)) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims: claims(user) }),
      );
    }
    if (isPermission(permission, imagePromotionApprovePermission)) {
      if (isMember(user, this.releaseManagers)) {
        return { result: AuthorizeResult.ALLOW };
      }
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims: claims(user) }),
      );
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

/** Installs {@link ImagePromotionExamplePolicy} as the permission backend's policy. */
export const imagePromotionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'image-promotion-example-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new ImagePromotionExamplePolicy());
      },
    });
  },
});

export default imagePromotionPolicyModule;
