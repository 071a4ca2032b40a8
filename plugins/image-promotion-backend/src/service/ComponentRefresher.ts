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
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import { ANNOTATION_IMAGE } from '@image-promotion/plugin-image-promotion-common';
import type { ImagePromotionConfig } from '../config';
import type { ImagePromotionStores, TrackedComponent } from '../database';
import type { RegistryAccess } from '../registry/RegistryAccess';
import {
  ComponentSource,
  RefreshResult,
  toTrackedComponent,
  Tracker,
} from '../tracking/Tracker';

function isAnnotated(entity: Entity): boolean {
  return Boolean(entity.metadata.annotations?.[ANNOTATION_IMAGE]?.trim());
}

/** Reads the opted-in components from the catalog with the plugin's own credentials. */
export class CatalogComponentSource implements ComponentSource {
  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
  ) {}

  async listAnnotatedEntities(): Promise<Entity[]> {
    const { items } = await this.catalog.getEntities(
      { filter: { kind: 'component' } },
      { credentials: await this.auth.getOwnServiceCredentials() },
    );
    return items.filter(isAnnotated);
  }
}

/**
 * Refreshes components on demand: one component for `POST .../refresh`
 * (picking it up from the catalog if tracking has not seen it yet), or every
 * component stored in a repository a registry notification names.
 */
export class ComponentRefresher {
  constructor(
    private readonly deps: {
      stores: Pick<ImagePromotionStores, 'components'>;
      config: ImagePromotionConfig;
      access: RegistryAccess;
      tracker: Tracker;
      catalog: CatalogService;
    },
  ) {}

  /**
   * Refreshes one component in every environment of its pipeline.
   *
   * @throws NotFoundError when the entity is not in the catalog or has not opted in
   */
  async refreshOne(
    entityRef: string,
    credentials: BackstageCredentials,
    call: { signal?: AbortSignal; deadlineMs?: number } = {},
  ): Promise<RefreshResult> {
    const { stores, catalog, config, tracker } = this.deps;
    // The catalog read uses the caller's credentials, so nobody learns of an
    // entity they may not see; a just-annotated one is picked up at once.
    const entity = await catalog.getEntityByRef(entityRef, { credentials });
    const component = entity ? toTrackedComponent(entity, config) : undefined;
    if (!entity) {
      throw new NotFoundError(`${entityRef} is not in the catalog`);
    }
    if (!component) {
      throw new NotFoundError(
        `${entityRef} has no ${ANNOTATION_IMAGE} annotation, so it is not tracked`,
      );
    }
    await stores.components.upsertComponents([component]);
    return tracker.refreshComponent(component, {
      signal: call.signal,
      timeoutMs: call.deadlineMs,
    });
  }

  /**
   * Refreshes every tracked component with an environment whose repository
   * path is one of `repositories`.
   *
   * @returns the entity refs refreshed
   */
  async refreshRepositories(
    repositories: readonly string[],
  ): Promise<string[]> {
    const wanted = new Set(repositories);
    if (wanted.size === 0) return [];
    const { stores, config, access, tracker } = this.deps;
    const matching: TrackedComponent[] = [];
    for (const component of await stores.components.listComponents()) {
      const pipeline = config.pipelines.get(component.pipeline);
      const hit = pipeline?.environments.some(environment => {
        try {
          return wanted.has(
            access.repositoryPath(
              environment,
              component.image,
              component.entityRef,
            ),
          );
        } catch {
          return false;
        }
      });
      if (hit) matching.push(component);
    }
    await tracker.refreshComponents(matching);
    return matching.map(c => c.entityRef);
  }
}
