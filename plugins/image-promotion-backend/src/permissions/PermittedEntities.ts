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
  AuthService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { FilterPredicate } from '@backstage/filter-predicates';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { ANNOTATION_IMAGE } from '@image-promotion/plugin-image-promotion-common';
import { AUTHORIZE_BATCH, authorizeInBatches } from './authorizeInBatches';
import { catalogQueryFromConditions } from './catalogConditions';
import { ImagePromotionAction, PERMISSIONS } from './PermissionGuard';

/**
 * The components a caller may act on: all of them, or the ones named. A
 * scope is the answer to one question, so read models filter their rows with
 * it instead of asking the permission backend about every row.
 */
export type EntityScope =
  | { readonly all: true }
  | { readonly all: false; readonly entityRefs: ReadonlySet<string> };

/** Whether a scope lets `entityRef` through. */
export function inScope(scope: EntityScope, entityRef: string): boolean {
  return scope.all || scope.entityRefs.has(entityRef);
}

/** Options of {@link PermittedEntities.scope}. */
export interface ScopeOptions {
  /**
   * The entity refs the caller wants to know about; read only when the
   * policy's conditions cannot be turned into a catalog query (a custom
   * rule), to ask the permission backend about them in bounded batches.
   */
  candidates: () => Promise<readonly string[]>;
}

/** Entity refs per catalog page. */
const CATALOG_PAGE = 1000;

/**
 * Decides which components a caller may act on with a number of permission
 * calls that does not grow with the catalog: one `authorizeConditional` for
 * the action's resource permission; an ALLOW or DENY answers for every
 * component; a CONDITIONAL decision on catalog entities (such as
 * `isEntityOwner`) becomes a catalog query for the annotated entities that
 * satisfy it, read in pages of {@link CATALOG_PAGE} refs with the plugin's own
 * credentials (the conditions are the caller's; the catalog only evaluates
 * them). Conditions the catalog cannot query (custom rules) fall back to
 * `authorize` in batches of {@link AUTHORIZE_BATCH} refs.
 */
export class PermittedEntities {
  constructor(
    private readonly deps: {
      permissions: PermissionsService;
      catalog: CatalogService;
      auth: AuthService;
    },
  ) {}

  /** The components the caller may do `action` with. */
  async scope(
    action: ImagePromotionAction,
    credentials: BackstageCredentials,
    options: ScopeOptions,
  ): Promise<EntityScope> {
    const permission = PERMISSIONS[action];
    const [decision] = await this.deps.permissions.authorizeConditional(
      [{ permission }],
      { credentials },
    );
    if (decision.result === AuthorizeResult.ALLOW) return { all: true };
    if (decision.result === AuthorizeResult.DENY) {
      return { all: false, entityRefs: new Set() };
    }
    const query =
      decision.result === AuthorizeResult.CONDITIONAL &&
      decision.resourceType === permission.resourceType
        ? catalogQueryFromConditions(decision.conditions)
        : undefined;
    if (query === true) return { all: true };
    if (query === false) return { all: false, entityRefs: new Set() };
    if (query !== undefined) {
      return { all: false, entityRefs: await this.queryCatalog(query) };
    }
    return {
      all: false,
      entityRefs: await authorizeInBatches(
        this.deps.permissions,
        permission,
        await options.candidates(),
        credentials,
      ),
    };
  }

  /**
   * Of `entityRefs`, the ones the caller may do `action` with: one authorize
   * request for a list of at most {@link AUTHORIZE_BATCH}, else through
   * {@link PermittedEntities.scope}.
   */
  async filter(
    action: ImagePromotionAction,
    entityRefs: readonly string[],
    credentials: BackstageCredentials,
  ): Promise<Set<string>> {
    const unique = [...new Set(entityRefs)];
    if (unique.length === 0) return new Set();
    if (unique.length <= AUTHORIZE_BATCH) {
      return authorizeInBatches(
        this.deps.permissions,
        PERMISSIONS[action],
        unique,
        credentials,
      );
    }
    const scope = await this.scope(action, credentials, {
      candidates: async () => unique,
    });
    return new Set(unique.filter(ref => inScope(scope, ref)));
  }

  private async queryCatalog(query: FilterPredicate): Promise<Set<string>> {
    const { catalog, auth } = this.deps;
    const credentials = await auth.getOwnServiceCredentials();
    const refs = new Set<string>();
    const fields = ['kind', 'metadata.namespace', 'metadata.name'];
    let page = await catalog.queryEntities(
      {
        query: {
          $all: [
            query,
            { [`metadata.annotations.${ANNOTATION_IMAGE}`]: { $exists: true } },
          ],
        },
        fields,
        limit: CATALOG_PAGE,
        totalItems: 'exclude',
      },
      { credentials },
    );
    for (;;) {
      for (const entity of page.items) refs.add(stringifyEntityRef(entity));
      const cursor = page.pageInfo.nextCursor;
      if (!cursor || page.items.length === 0) return refs;
      page = await catalog.queryEntities(
        { cursor, fields, limit: CATALOG_PAGE },
        { credentials },
      );
    }
  }
}
