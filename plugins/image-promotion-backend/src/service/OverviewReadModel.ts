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

import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import type { ImagePromotionConfig } from '../config';
import type {
  CurrentVersion,
  ImagePromotionStore,
  ImageVersion,
  Promotion,
  TrackedComponent,
} from '../database';
import type { Pipeline } from '../domain/types';
import { mapWithConcurrency } from '../tracking/concurrency';
import type {
  OverviewEnvironment,
  OverviewItem,
  OverviewResponse,
  OverviewStatus,
} from '@image-promotion/plugin-image-promotion-common';
import { toCurrentResponse } from './mappers';
import { behindPrevious } from './readModelMath';
import type { OverviewQuery } from './schemas';

const COMPONENT_CONCURRENCY = 8;
const PAGE = 200;
const MAX_PENDING_PAGES = 50;

function key(entityRef: string, environment: string): string {
  return `${entityRef}\u0000${environment}`;
}

/** An owner as a full entity ref (`team-a` → `group:default/team-a`), so filters match either spelling. */
export function normalizeOwner(owner: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      }),
    );
  } catch {
    return owner.toLocaleLowerCase('en-US');
  }
}

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
 * approvals, unacknowledged drift and an unresolved failed promotion.
 */
export class OverviewReadModel {
  constructor(
    private readonly deps: {
      store: ImagePromotionStore;
      config: ImagePromotionConfig;
    },
  ) {}

  /** The overview, filtered server-side; `canRead` drops components the caller may not see. */
  async overview(
    query: OverviewQuery,
    canRead: (entityRefs: string[]) => Promise<Set<string>>,
  ): Promise<OverviewResponse> {
    const { store, config } = this.deps;
    let components = await store.listComponents({
      ...(query.system?.length ? { system: query.system } : {}),
      ...(query.lifecycle?.length ? { lifecycle: query.lifecycle } : {}),
    });
    if (query.owner?.length) {
      const owners = new Set(query.owner.map(normalizeOwner));
      components = components.filter(
        c => c.owner !== null && owners.has(normalizeOwner(c.owner)),
      );
    }
    const q = query.q?.trim();
    if (q) components = components.filter(c => matchesText(c, q));
    const readable = await canRead(components.map(c => c.entityRef));
    components = components.filter(c => readable.has(c.entityRef));

    const [drift, pending] = await Promise.all([
      this.countDrift(),
      this.countPendingApprovals(),
    ]);
    const items = (
      await mapWithConcurrency(components, COMPONENT_CONCURRENCY, component => {
        const pipeline = config.pipelines.get(component.pipeline);
        return pipeline
          ? this.item(component, pipeline, drift, pending)
          : Promise.resolve(undefined);
      })
    ).filter((item): item is OverviewItem => item !== undefined);

    const wanted = query.status?.length ? new Set(query.status) : undefined;
    const filtered = wanted
      ? items.filter(item => item.statuses.some(s => wanted.has(s)))
      : items;
    return { items: filtered, totalCount: filtered.length };
  }

  private async countDrift(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const event of await this.deps.store.listDriftEvents()) {
      const k = key(event.entityRef, event.environment);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return counts;
  }

  private async countPendingApprovals(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PENDING_PAGES; page++) {
      const result = await this.deps.store.listPromotions({
        status: ['pending_approval'],
        limit: PAGE,
        cursor,
      });
      for (const promotion of result.items) {
        const k = key(promotion.entityRef, promotion.targetEnvironment);
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return counts;
  }

  /** The newest finished-with-copy promotion into an environment, when it failed. */
  private async unresolvedFailure(
    entityRef: string,
    environment: string,
  ): Promise<Promotion | undefined> {
    const page = await this.deps.store.listPromotions({
      entityRef,
      environment,
      status: ['succeeded', 'failed'],
      limit: 1,
    });
    const last = page.items[0];
    return last?.status === 'failed' ? last : undefined;
  }

  private async item(
    component: TrackedComponent,
    pipeline: Pipeline,
    drift: Map<string, number>,
    pending: Map<string, number>,
  ): Promise<OverviewItem> {
    const { store } = this.deps;
    const { entityRef } = component;
    const perEnvironment = await Promise.all(
      pipeline.environments.map(async environment => {
        const [current, versions, failure] = await Promise.all([
          store.getCurrent(entityRef, environment.id, {
            currentTag: environment.currentTag,
          }),
          store.listVersions(entityRef, environment.id),
          this.unresolvedFailure(entityRef, environment.id),
        ]);
        return { environment, current, versions, failure };
      }),
    );

    const environments: OverviewEnvironment[] = perEnvironment.map(
      ({ environment, current, versions, failure }, index) => {
        const previous:
          | { current: CurrentVersion | undefined; versions: ImageVersion[] }
          | undefined = index > 0 ? perEnvironment[index - 1] : undefined;
        const k = key(entityRef, environment.id);
        return {
          id: environment.id,
          title: environment.title,
          current: toCurrentResponse(current),
          versionTags: current
            ? (
                versions.find(v => v.digest === current.digest)?.tags ?? []
              ).filter(t => t !== environment.currentTag)
            : [],
          behind: previous
            ? behindPrevious({
                previousVersions: previous.versions,
                previousCurrent: previous.current,
                current,
              })
            : null,
          pendingApprovals: pending.get(k) ?? 0,
          drift: drift.get(k) ?? 0,
          lastFailedPromotion: failure
            ? {
                id: failure.id,
                digest: failure.digest,
                failureReason: failure.failureReason,
                finishedAt: failure.finishedAt?.toISOString() ?? null,
              }
            : null,
        };
      },
    );

    const statuses: OverviewStatus[] = [];
    if (environments.some(e => e.drift > 0)) statuses.push('drift');
    if (environments.some(e => e.pendingApprovals > 0)) {
      statuses.push('pending-approval');
    }
    if (environments.some(e => e.lastFailedPromotion)) statuses.push('failed');
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
