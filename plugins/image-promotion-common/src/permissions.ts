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

import { createPermission } from '@backstage/plugin-permission-common';

// Resource permissions on catalog entities, so that policies can use catalog conditions such as
// isEntityOwner. The string matches RESOURCE_TYPE_CATALOG_ENTITY from @backstage/plugin-catalog-common,
// spelled out to keep this package free of a catalog dependency.
const CATALOG_ENTITY_RESOURCE_TYPE = 'catalog-entity';

/**
 * Permission to request a promotion of a component's image to another environment.
 *
 * @public
 */
export const imagePromotionPromotePermission = createPermission({
  name: 'image-promotion.promote',
  attributes: { action: 'update' },
  resourceType: CATALOG_ENTITY_RESOURCE_TYPE,
});

/**
 * Permission to approve or reject a pending promotion of a component's image.
 *
 * @public
 */
export const imagePromotionApprovePermission = createPermission({
  name: 'image-promotion.approve',
  attributes: { action: 'update' },
  resourceType: CATALOG_ENTITY_RESOURCE_TYPE,
});

/**
 * Permission to see a component's environments, versions and promotion history.
 *
 * @public
 */
export const imagePromotionReadPermission = createPermission({
  name: 'image-promotion.read',
  attributes: { action: 'read' },
  resourceType: CATALOG_ENTITY_RESOURCE_TYPE,
});

/**
 * Every permission the image promotion plugins define, for registration with the permission framework.
 *
 * @public
 */
export const imagePromotionPermissions = [
  imagePromotionPromotePermission,
  imagePromotionApprovePermission,
  imagePromotionReadPermission,
];
