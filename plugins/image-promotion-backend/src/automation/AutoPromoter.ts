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
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  AUTO_PROMOTION_REQUESTER,
  isAutoPromotion,
} from '@image-promotion/plugin-image-promotion-common';
import type { ImagePromotionConfig } from '../config';
import type { ImagePromotionStores, Promotion } from '../database';
import type { PromotionChange, PromotionListener } from '../notify';
import type { Actor, PromotionService } from '../promotion/PromotionService';
import { audited } from '../service/audit';

/** The plugin itself, as the requester of the promotions it queues. */
export const AUTO_PROMOTION_ACTOR: Actor = {
  userEntityRef: AUTO_PROMOTION_REQUESTER,
  ownershipEntityRefs: [],
};

/** What put a new version into an environment. */
export type NewVersionSource = 'tracking' | 'promotion';

/**
 * Promote when ready: when the environment before one with
 * `autoPromote: true` gets a new version, queues its promotion as the plugin
 * (requester `auto-promotion`). The policy decides as for anybody: a
 * promotion held by a soak time or a freeze window waits in the queue
 * (eligibleAt) and the worker starts it once they pass; one that needs
 * approvals waits for people. Each version is auto-promoted into an
 * environment once, however many replicas notice it; a newer version
 * replaces an auto-promotion that has not started yet.
 */
export class AutoPromoter {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: {
      stores: Pick<
        ImagePromotionStores,
        'components' | 'tags' | 'promotions' | 'autoPromotions'
      >;
      config: ImagePromotionConfig;
      service: PromotionService;
      logger: LoggerService;
      auditor?: AuditorService;
    },
  ) {}

  /**
   * Tracking saw digests in an environment for the first time. The first
   * look at an environment (every version in it is new) is not a change.
   */
  trackedNewVersions(change: {
    entityRef: string;
    environment: string;
    digests: string[];
  }): void {
    if (!change.digests.length) return;
    this.track(async () => {
      const versions = await this.deps.stores.tags.listVersions(
        change.entityRef,
        change.environment,
      );
      const fresh = new Set(change.digests);
      if (versions.every(v => fresh.has(v.digest))) return undefined;
      return this.newVersionIn(
        change.entityRef,
        change.environment,
        'tracking',
      );
    });
  }

  /** A promotion listener: a promotion that succeeded put a new version into its target. */
  readonly listener: PromotionListener = {
    promotionChanged: (change: PromotionChange) => {
      // A rollback is a person's decision about that environment, not a
      // new version to pass on.
      if (
        change.promotion.status === 'succeeded' &&
        change.previous !== 'succeeded' &&
        !change.promotion.isRollback
      ) {
        this.track(() =>
          this.newVersionIn(
            change.promotion.entityRef,
            change.promotion.targetEnvironment,
            'promotion',
          ),
        );
      }
    },
    driftFound: () => {},
    driftAcknowledged: () => {},
  };

  /** Resolves once every auto-promotion started so far has been queued or given up. */
  async settled(): Promise<void> {
    while (this.inFlight.size) {
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private track(work: () => Promise<unknown>) {
    const done = work().catch(error =>
      this.deps.logger.warn(`Auto-promotion failed: ${error}`),
    );
    this.inFlight.add(done);
    done.finally(() => this.inFlight.delete(done));
  }

  /**
   * `environment` of a component got a new version: queues the promotion of
   * its current digest into the next environment when that one promotes by
   * itself and the service is not paused.
   *
   * @returns the promotion queued, or undefined when none was
   */
  async newVersionIn(
    entityRef: string,
    environment: string,
    source: NewVersionSource,
  ): Promise<Promotion | undefined> {
    const { stores, logger } = this.deps;
    const { autoPromotions } = stores;
    const component = await stores.components.getComponent(entityRef);
    const pipeline = component
      ? this.deps.config.pipelines.get(component.pipeline)
      : undefined;
    if (!pipeline) return undefined;
    const index = pipeline.environments.findIndex(e => e.id === environment);
    const from = pipeline.environments[index];
    const into = pipeline.environments[index + 1];
    if (index < 0 || !into?.autoPromote) return undefined;

    const pause = await autoPromotions.getPause(entityRef);
    if (pause) {
      logger.info(
        `Auto-promotion of ${entityRef} into ${into.id} skipped: paused by ${pause.pausedBy}`,
      );
      return undefined;
    }
    const [current, targetCurrent] = await Promise.all([
      stores.tags.getCurrent(entityRef, from.id, {
        currentTag: from.currentTag,
      }),
      stores.tags.getCurrent(entityRef, into.id, {
        currentTag: into.currentTag,
      }),
    ]);
    if (!current || current.digest === targetCurrent?.digest) return undefined;
    const digest = current.digest;
    // Never roll the next environment back by itself.
    if (
      await stores.tags.wasCurrentBefore(entityRef, into.id, digest, {
        currentTag: into.currentTag,
      })
    ) {
      logger.info(
        `Auto-promotion of ${entityRef} ${digest} into ${into.id} skipped: it ran there before, so it would be a rollback`,
      );
      return undefined;
    }
    if (!(await autoPromotions.claim(entityRef, into.id, digest))) {
      return undefined;
    }

    await this.replaceWaiting(entityRef, into.id, digest);
    const reason = `auto-promotion: ${digest.slice(0, 19)} is new in ${
      from.title
    } (${source === 'tracking' ? 'found by tracking' : 'promoted there'})`;
    try {
      const promotion = await this.audit(
        { entityRef, sourceEnvironment: from.id, into: into.id, digest },
        () =>
          this.deps.service.request(
            {
              entityRef,
              sourceEnvironment: from.id,
              targetEnvironment: into.id,
              digest,
              reason,
            },
            AUTO_PROMOTION_ACTOR,
          ),
      );
      await autoPromotions.settle(entityRef, into.id, digest, {
        promotionId: promotion.id,
      });
      logger.info(
        `Auto-promotion ${promotion.id} of ${entityRef} into ${into.id} is ${promotion.status}`,
      );
      return promotion;
    } catch (error) {
      const message = (error as Error).message;
      await autoPromotions.settle(entityRef, into.id, digest, {
        refused: message,
      });
      logger.warn(
        `Auto-promotion of ${entityRef} ${digest} into ${into.id} was not queued: ${message}`,
      );
      return undefined;
    }
  }

  /** Cancels auto-promotions into the environment that have not started: a newer version replaces them. */
  private async replaceWaiting(
    entityRef: string,
    environment: string,
    digest: string,
  ) {
    const open = await this.deps.stores.promotions.listPromotions({
      entityRef,
      environment,
      status: ['pending_approval', 'queued'],
      limit: 10,
    });
    for (const waiting of open.items) {
      if (isAutoPromotion(waiting) && waiting.digest !== digest) {
        await this.deps.service
          .cancel(waiting.id, AUTO_PROMOTION_ACTOR)
          .catch(() => undefined);
      }
    }
  }

  private async audit<T extends Promotion>(
    meta: {
      entityRef: string;
      sourceEnvironment: string;
      into: string;
      digest: string;
    },
    request: () => Promise<T>,
  ): Promise<T> {
    if (!this.deps.auditor) return request();
    return audited(
      this.deps.auditor,
      {
        eventId: 'promotion-request',
        severityLevel: 'medium',
        meta: {
          via: 'auto-promotion',
          actor: AUTO_PROMOTION_REQUESTER,
          entityRef: meta.entityRef,
          sourceEnvironment: meta.sourceEnvironment,
          targetEnvironment: meta.into,
          digest: meta.digest,
        },
      },
      request,
      created => ({
        promotionId: created.id,
        status: created.status,
        digest: created.digest,
      }),
    );
  }
}
