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

import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { authorizeInBatches } from './authorizeInBatches';
import {
  imagePromotionApprovePermission,
  imagePromotionPromotePermission,
  imagePromotionReadPermission,
} from '@image-promotion/plugin-image-promotion-common';

/** The three things a caller may be allowed to do with a component. */
export type ImagePromotionAction = 'read' | 'promote' | 'approve';

/** The resource permission (on `catalog-entity`) behind each action. */
export const PERMISSIONS: Record<
  ImagePromotionAction,
  ResourcePermission<'catalog-entity'>
> = {
  read: imagePromotionReadPermission,
  promote: imagePromotionPromotePermission,
  approve: imagePromotionApprovePermission,
};

/** A permission decision with a sentence for the caller. */
export interface PermissionVerdict {
  allowed: boolean;
  message: string;
}

/**
 * Asks the permission framework about image promotion permissions, always as
 * resource permissions on the component's catalog entity, so policies can use
 * catalog conditions such as `isEntityOwner`.
 */
export class PermissionGuard {
  constructor(private readonly permissions: PermissionsService) {}

  /** Decides one action on one component. */
  async check(
    action: ImagePromotionAction,
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<PermissionVerdict> {
    const permission = PERMISSIONS[action];
    const [decision] = await this.permissions.authorize(
      [{ permission, resourceRef: entityRef }],
      { credentials },
    );
    const allowed = decision.result === AuthorizeResult.ALLOW;
    return {
      allowed,
      message: allowed
        ? `you have the ${permission.name} permission on ${entityRef}`
        : `you lack the ${permission.name} permission on ${entityRef}`,
    };
  }

  /**
   * Requires one action on one component.
   *
   * @throws NotAllowedError naming the permission
   */
  async require(
    action: ImagePromotionAction,
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<void> {
    const verdict = await this.check(action, entityRef, credentials);
    if (!verdict.allowed) {
      throw new NotAllowedError(
        `Not allowed: ${verdict.message}; ask the component's owners or your Backstage admin`,
      );
    }
  }

  /**
   * Of a short list of components (a page), the ones the caller may do
   * `action` with, asked in bounded batches; for lists that grow with the
   * catalog use PermittedEntities, which asks once.
   */
  async filter(
    action: ImagePromotionAction,
    entityRefs: readonly string[],
    credentials: BackstageCredentials,
  ): Promise<Set<string>> {
    return authorizeInBatches(
      this.permissions,
      PERMISSIONS[action],
      entityRefs,
      credentials,
    );
  }
}
