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

import { Knex } from 'knex';
import { DbTimestamp, toDate } from './rows';

/** An owner's pause of auto-promotion for one service. */
export interface AutoPromotionPause {
  entityRef: string;
  pausedBy: string;
  pausedAt: Date;
  reason: string | null;
}

interface PauseRow {
  entity_ref: string;
  paused_by: string;
  paused_at: DbTimestamp;
  reason: string | null;
}

interface TriggerRow {
  entity_ref: string;
  target_environment: string;
  digest: string;
  promotion_id: string | null;
  outcome: string | null;
  created_at: DbTimestamp;
}

/**
 * Auto-promotion's own state: which services are paused, and which version
 * was already auto-promoted into which environment (once, across replicas).
 */
export class AutoPromotionStore {
  constructor(private readonly db: Knex) {}

  /** The pause of a service, if its owners paused auto-promotion. */
  async getPause(entityRef: string): Promise<AutoPromotionPause | undefined> {
    const row = await this.db<PauseRow>('auto_promotion_pauses')
      .where({ entity_ref: entityRef })
      .first();
    return row
      ? {
          entityRef: row.entity_ref,
          pausedBy: row.paused_by,
          pausedAt: toDate(row.paused_at),
          reason: row.reason,
        }
      : undefined;
  }

  /** Pauses auto-promotion for a service; a second pause keeps the first one's author and time. */
  async pause(
    entityRef: string,
    user: string,
    reason: string | null,
    now: Date = new Date(),
  ): Promise<void> {
    await this.db<PauseRow>('auto_promotion_pauses')
      .insert({
        entity_ref: entityRef,
        paused_by: user,
        paused_at: now,
        reason,
      })
      .onConflict('entity_ref')
      .ignore();
  }

  /** Resumes auto-promotion for a service; false when it was not paused. */
  async resume(entityRef: string): Promise<boolean> {
    const deleted = await this.db<PauseRow>('auto_promotion_pauses')
      .where({ entity_ref: entityRef })
      .delete();
    return deleted > 0;
  }

  /**
   * Claims the auto-promotion of `digest` into an environment.
   *
   * @returns false when it was claimed before (by this or another replica)
   */
  async claim(
    entityRef: string,
    targetEnvironment: string,
    digest: string,
    now: Date = new Date(),
  ): Promise<boolean> {
    const inserted = await this.db<TriggerRow>('auto_promotion_triggers')
      .insert({
        entity_ref: entityRef,
        target_environment: targetEnvironment,
        digest,
        promotion_id: null,
        outcome: null,
        created_at: now,
      })
      .onConflict(['entity_ref', 'target_environment', 'digest'])
      .ignore()
      .returning('digest');
    return inserted.length === 1;
  }

  /** Records what a claimed auto-promotion led to. */
  async settle(
    entityRef: string,
    targetEnvironment: string,
    digest: string,
    outcome: { promotionId: string } | { refused: string },
  ): Promise<void> {
    await this.db<TriggerRow>('auto_promotion_triggers')
      .where({
        entity_ref: entityRef,
        target_environment: targetEnvironment,
        digest,
      })
      .update(
        'promotionId' in outcome
          ? { promotion_id: outcome.promotionId }
          : { outcome: outcome.refused },
      );
  }
}
