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
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { mapWithConcurrency } from '../tracking/concurrency';

/**
 * Resources per authorize request: about 21 kB of JSON, far below the
 * permission backend's body limit (it refuses ~480 resources and more).
 */
export const AUTHORIZE_BATCH = 100;
const CONCURRENCY = 4;

/** Of `resourceRefs`, the ones `permission` is allowed on, asked in requests of at most {@link AUTHORIZE_BATCH} resources. */
export async function authorizeInBatches(
  permissions: PermissionsService,
  permission: ResourcePermission,
  resourceRefs: readonly string[],
  credentials: BackstageCredentials,
): Promise<Set<string>> {
  const unique = [...new Set(resourceRefs)];
  const batches: string[][] = [];
  for (let i = 0; i < unique.length; i += AUTHORIZE_BATCH) {
    batches.push(unique.slice(i, i + AUTHORIZE_BATCH));
  }
  const allowed = await mapWithConcurrency(
    batches,
    CONCURRENCY,
    async batch => {
      const decisions = await permissions.authorize(
        batch.map(resourceRef => ({ permission, resourceRef })),
        { credentials },
      );
      return batch.filter(
        (_ref, i) => decisions[i]?.result === AuthorizeResult.ALLOW,
      );
    },
  );
  return new Set(allowed.flat());
}
