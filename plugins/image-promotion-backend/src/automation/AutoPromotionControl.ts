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

import {
  AutoPromotionState,
  isAutoPromotion,
} from '@image-promotion/plugin-image-promotion-common';
import type { ImagePromotionStores } from '../database';
import type { Actor, PromotionService } from '../promotion/PromotionService';

/**
 * What an owner sees and changes of auto-promotion for one service: the
 * environments that promote by themselves, and the pause. Pausing also
 * cancels the auto-promotions that have not started yet.
 */
export class AutoPromotionControl {
  constructor(
    private readonly deps: {
      stores: Pick<ImagePromotionStores, 'promotions' | 'autoPromotions'>;
      service: PromotionService;
    },
  ) {}

  /** The state of a tracked component (NotFoundError when it is not tracked). */
  async state(entityRef: string): Promise<AutoPromotionState> {
    const { pipeline } = await this.deps.service.component(entityRef);
    const pause = await this.deps.stores.autoPromotions.getPause(entityRef);
    return {
      entityRef,
      environments: pipeline.environments
        .filter(e => e.autoPromote)
        .map(e => e.id),
      paused: Boolean(pause),
      pausedBy: pause?.pausedBy ?? null,
      pausedAt: pause?.pausedAt.toISOString() ?? null,
      reason: pause?.reason ?? null,
    };
  }

  /**
   * Pauses or resumes auto-promotion of a component.
   *
   * @returns the new state and the ids of the waiting auto-promotions a pause cancelled
   */
  async setPaused(
    entityRef: string,
    paused: boolean,
    actor: Actor,
    reason: string | null,
  ): Promise<{ state: AutoPromotionState; cancelled: string[] }> {
    await this.deps.service.component(entityRef);
    const cancelled: string[] = [];
    if (paused) {
      await this.deps.stores.autoPromotions.pause(
        entityRef,
        actor.userEntityRef,
        reason,
      );
      const open = await this.deps.stores.promotions.listPromotions({
        entityRef,
        status: ['pending_approval', 'queued'],
        limit: 100,
      });
      for (const waiting of open.items.filter(isAutoPromotion)) {
        try {
          await this.deps.service.cancel(waiting.id, actor);
          cancelled.push(waiting.id);
        } catch {
          // It started meanwhile; a running copy is not stopped by a pause.
        }
      }
    } else {
      await this.deps.stores.autoPromotions.resume(entityRef);
    }
    return { state: await this.state(entityRef), cancelled };
  }
}
