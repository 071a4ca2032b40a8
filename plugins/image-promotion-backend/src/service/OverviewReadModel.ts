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

import type { ImagePromotionConfig } from '../config';
import type {
  EnvironmentStates,
  ImagePromotionStores,
  ReadModelQueries,
  TrackedComponent,
} from '../database';
import type { Environment, Pipeline } from '../domain/types';
import { EntityScope, inScope } from '../permissions';
import type {
  OverviewEnvironment,
  OverviewItem,
  OverviewResponse,
  OverviewStatus,
} from '@image-promotion/plugin-image-promotion-common';
import { toCurrentResponse, toTrackingErrorResponse } from './mappers';
import { behindPrevious } from './readModelMath';
import type { OverviewQuery } from './schemas';

function matchesText(component: TrackedComponent, q: string): boolean {
  const needle = q.toLocaleLowerCase('en-US');
  return [
    component.entityRef,
    component.title,
    component.image,
    component.owner,
    component.system,
  ].some(v => v?.toLocaleLowerCase('en-US').includes(needle));
}

/**
 * Assembles `GET /overview`: every tracked component × environment with its
 * current version, how far it is behind the previous environment, pending
 * approvals, unacknowledged drift, an unresolved failed promotion and why
 * tracking could not read an environment's registry. It
 * reads in a fixed number of statements (ReadModelQueries), whatever the
 * size of the catalog; with `limit` only the requested page is assembled
 * unless a status filter needs every row.
 */
export class OverviewReadModel {
  constructor(
    private readonly deps: {
      stores: Pick<ImagePromotionStores, 'components'>;
      readModels: ReadModelQueries;
      config: ImagePromotionConfig;
    },
  ) {}

  /**
   * The overview, filtered server-side; `scope` answers which components the
   * caller may read (it is given the filtered candidates, for a policy that
   * can only be asked per component).
   */
  async overview(
    query: OverviewQuery,
    scope: (candidates: () => Promise<string[]>) => Promise<EntityScope>,
  ): Promise<OverviewResponse> {
    const { stores, config, readModels } = this.deps;
    // The owner filter matches every spelling of an owner (`team-a`,
    // `group:default/team-a`), in the store.
    let components = await stores.components.listComponents({
      ...(query.owner?.length ? { owner: query.owner } : {}),
      ...(query.system?.length ? { system: query.system } : {}),
      ...(query.lifecycle?.length ? { lifecycle: query.lifecycle } : {}),
    });
    const q = query.q?.trim();
    if (q) components = components.filter(c => matchesText(c, q));
    components = components.filter(c => config.pipelines.has(c.pipeline));
    const readable = await scope(async () => components.map(c => c.entityRef));
    components = components.filter(c => inScope(readable, c.entityRef));

    const offset = query.offset ?? 0;
    const page = (list: OverviewItem[] | TrackedComponent[]) =>
      query.limit === undefined
        ? list.slice(offset)
        : list.slice(offset, offset + query.limit);
    const wanted = query.status?.length ? new Set(query.status) : undefined;
    // Without a status filter the page is known before any state is read.
    const assembled = wanted
      ? components
      : (page(components) as TrackedComponent[]);
    const states = await readModels.environmentStates({
      entityRefs: assembled.map(c => c.entityRef),
      environments: this.environments(assembled),
    });
    const items = assembled.map(component =>
      this.item(component, config.pipelines.get(component.pipeline)!, states),
    );
    if (!wanted) return { items, totalCount: components.length };
    const filtered = items.filter(item =>
      item.statuses.some(s => wanted.has(s)),
    );
    return {
      items: page(filtered) as OverviewItem[],
      totalCount: filtered.length,
    };
  }

  /** Every environment of the pipelines the components use. */
  private environments(components: TrackedComponent[]): Environment[] {
    const pipelines = new Set(components.map(c => c.pipeline));
    return [...pipelines].flatMap(
      name => this.deps.config.pipelines.get(name)?.environments ?? [],
    );
  }

  private item(
    component: TrackedComponent,
    pipeline: Pipeline,
    states: EnvironmentStates,
  ): OverviewItem {
    const { entityRef } = component;
    const perEnvironment = pipeline.environments.map(environment => ({
      environment,
      state: states.get(entityRef, environment),
    }));

    const environments: OverviewEnvironment[] = perEnvironment.map(
      ({ environment, state }, index) => {
        const previous =
          index > 0 ? perEnvironment[index - 1].state : undefined;
        const { current } = state;
        return {
          id: environment.id,
          title: environment.title,
          current: toCurrentResponse(current),
          versionTags: current
            ? (
                state.versions.find(v => v.digest === current.digest)?.tags ??
                []
              ).filter(t => t !== environment.currentTag)
            : [],
          behind: previous
            ? behindPrevious({
                previousVersions: previous.versions,
                previousCurrent: previous.current,
                current: state.current,
              })
            : null,
          pendingApprovals: state.pendingApprovals,
          drift: state.openDrift,
          lastFailedPromotion: state.lastFailure
            ? {
                id: state.lastFailure.id,
                digest: state.lastFailure.digest,
                failureReason: state.lastFailure.failureReason,
                finishedAt: state.lastFailure.finishedAt?.toISOString() ?? null,
              }
            : null,
          trackingError: toTrackingErrorResponse(state.trackingError),
        };
      },
    );

    const statuses: OverviewStatus[] = [];
    if (environments.some(e => e.drift > 0)) statuses.push('drift');
    if (environments.some(e => e.pendingApprovals > 0)) {
      statuses.push('pending-approval');
    }
    if (environments.some(e => e.lastFailedPromotion)) statuses.push('failed');
    if (environments.some(e => e.trackingError)) statuses.push('unreadable');
    if (environments.some(e => (e.behind?.versions ?? 0) > 0)) {
      statuses.push('behind');
    }
    if (statuses.length === 0) statuses.push('in-sync');

    return {
      entityRef,
      title: component.title,
      image: component.image,
      pipeline: pipeline.name,
      owner: component.owner,
      system: component.system,
      lifecycle: component.lifecycle,
      statuses,
      environments,
    };
  }
}
