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

import type { DeliveryMetrics } from '@image-promotion/plugin-image-promotion-common';
import type { ImagePromotionConfig } from '../config';
import {
  ImagePromotionStores,
  ownedBy,
  Promotion,
  ReadModelQueries,
} from '../database';
import { EntityScope, inScope } from '../permissions';
import { durationStats, isoWeek } from './readModelMath';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Assembles `GET /metrics`: deployment frequency per environment and ISO
 * week, lead time from first seen in a pipeline's first environment to
 * succeeded into its last, rollback rate per environment, and the time
 * promotions waited for approval.
 */
export class MetricsReadModel {
  constructor(
    private readonly deps: {
      stores: Pick<ImagePromotionStores, 'components' | 'promotions'>;
      readModels: ReadModelQueries;
      config: ImagePromotionConfig;
      now?: () => Date;
    },
  ) {}

  /**
   * Metrics over the last `days` days, counting only components `scope` lets
   * through (it is given the candidates, for a policy that can only be asked
   * per component) and, when `owner` is given, only the components those
   * owners own. A fixed number of statements: four, plus one per distinct
   * first environment of the configured pipelines.
   */
  async metrics(
    days: number,
    scope: (candidates: () => Promise<string[]>) => Promise<EntityScope>,
    filter: { owner?: string[] } = {},
  ): Promise<DeliveryMetrics> {
    const { stores } = this.deps;
    const until = this.deps.now?.() ?? new Date();
    const since = new Date(until.getTime() - days * DAY_MS);
    const [components, succeededAll, waitsAll] = await Promise.all([
      stores.components.listComponents(),
      stores.promotions.listSucceededPromotions({ since, until }),
      stores.promotions.listApprovalWaits({ since }),
    ]);
    const readable = await scope(async () => [
      ...new Set([
        ...components.map(c => c.entityRef),
        ...succeededAll.map(p => p.entityRef),
        ...waitsAll.map(w => w.entityRef),
      ]),
    ]);
    // With an owner filter, only tracked components of those owners count
    // (promotions of components no longer tracked have no known owner).
    // Every spelling of an owner matches (`team-a`, `group:default/team-a`).
    const owns = filter.owner?.length ? ownedBy(filter.owner) : undefined;
    const owned = owns
      ? new Set(components.filter(c => owns(c.owner)).map(c => c.entityRef))
      : undefined;
    const counts = (entityRef: string) =>
      inScope(readable, entityRef) && (!owned || owned.has(entityRef));
    const succeeded = succeededAll.filter(p => counts(p.entityRef));
    const waits = waitsAll.filter(w => counts(w.entityRef));
    const pipelineOf = new Map(components.map(c => [c.entityRef, c.pipeline]));

    return {
      days,
      since: since.toISOString(),
      until: until.toISOString(),
      deploymentFrequency: this.deploymentFrequency(succeeded),
      leadTime: durationStats(
        await this.leadTimes(succeeded, pipelineOf, { since, until }),
      ),
      rollbackRate: this.rollbackRate(succeeded),
      approvalWait: durationStats(
        waits.map(w =>
          Math.max(0, w.queuedAt.getTime() - w.createdAt.getTime()),
        ),
      ),
    };
  }

  private deploymentFrequency(
    succeeded: Promotion[],
  ): DeliveryMetrics['deploymentFrequency'] {
    const byEnvironment = new Map<string, Map<string, number>>();
    for (const promotion of succeeded) {
      const weeks =
        byEnvironment.get(promotion.targetEnvironment) ??
        new Map<string, number>();
      const week = isoWeek(promotion.finishedAt ?? promotion.updatedAt);
      weeks.set(week, (weeks.get(week) ?? 0) + 1);
      byEnvironment.set(promotion.targetEnvironment, weeks);
    }
    return this.environmentOrder([...byEnvironment.keys()]).map(environment => {
      const weeks = [...byEnvironment.get(environment)!.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([week, count]) => ({ week, count }));
      return {
        environment,
        title: this.environmentTitle(environment),
        total: weeks.reduce((n, w) => n + w.count, 0),
        weeks,
      };
    });
  }

  private async leadTimes(
    succeeded: Promotion[],
    pipelineOf: Map<string, string>,
    window: { since: Date; until: Date },
  ): Promise<number[]> {
    // Group the promotions into a pipeline's last environment by that
    // pipeline's first environment: one first-seen lookup per group.
    const byFirstEnvironment = new Map<string, Promotion[]>();
    for (const promotion of succeeded) {
      const pipeline = this.deps.config.pipelines.get(
        pipelineOf.get(promotion.entityRef) ?? this.deps.config.defaultPipeline,
      );
      const environments = pipeline?.environments ?? [];
      if (environments.length < 2) continue;
      if (
        environments[environments.length - 1].id !== promotion.targetEnvironment
      ) {
        continue;
      }
      const first = environments[0].id;
      const group = byFirstEnvironment.get(first);
      if (group) group.push(promotion);
      else byFirstEnvironment.set(first, [promotion]);
    }
    const durations: number[] = [];
    for (const [environment, promotions] of byFirstEnvironment) {
      const firstSeen = await this.deps.readModels.leadTimeStarts({
        firstEnvironment: environment,
        lastEnvironments: [
          ...new Set(promotions.map(p => p.targetEnvironment)),
        ],
        ...window,
      });
      for (const promotion of promotions) {
        const start = firstSeen.get(
          `${promotion.entityRef}\u0000${promotion.digest}`,
        );
        const end = promotion.finishedAt;
        if (start && end) {
          durations.push(Math.max(0, end.getTime() - start.getTime()));
        }
      }
    }
    return durations;
  }

  private rollbackRate(
    succeeded: Promotion[],
  ): DeliveryMetrics['rollbackRate'] {
    const counts = new Map<string, { promotions: number; rollbacks: number }>();
    for (const promotion of succeeded) {
      const entry = counts.get(promotion.targetEnvironment) ?? {
        promotions: 0,
        rollbacks: 0,
      };
      entry.promotions += 1;
      if (promotion.isRollback) entry.rollbacks += 1;
      counts.set(promotion.targetEnvironment, entry);
    }
    return this.environmentOrder([...counts.keys()]).map(environment => {
      const { promotions, rollbacks } = counts.get(environment)!;
      return {
        environment,
        title: this.environmentTitle(environment),
        promotions,
        rollbacks,
        rate: Math.round((rollbacks / promotions) * 1000) / 1000,
      };
    });
  }

  /** An environment's title in the configured pipelines (the default one first); its id when unknown. */
  private environmentTitle(id: string): string {
    const { pipelines, defaultPipeline } = this.deps.config;
    const ordered = [pipelines.get(defaultPipeline), ...pipelines.values()];
    for (const pipeline of ordered) {
      const environment = pipeline?.environments.find(e => e.id === id);
      if (environment) return environment.title;
    }
    return id;
  }

  /** Environment ids in the order of the configured pipelines, unknown ones last. */
  private environmentOrder(ids: string[]): string[] {
    const order: string[] = [];
    const { pipelines, defaultPipeline } = this.deps.config;
    const first = pipelines.get(defaultPipeline);
    const ordered = [
      ...(first ? [first] : []),
      ...[...pipelines.values()].filter(p => p.name !== defaultPipeline),
    ];
    for (const pipeline of ordered) {
      for (const environment of pipeline.environments) {
        if (!order.includes(environment.id)) order.push(environment.id);
      }
    }
    const rank = (id: string) => {
      const i = order.indexOf(id);
      return i === -1 ? order.length : i;
    };
    return [...ids].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }
}
