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

import type { ChangeSummary } from '@image-promotion/plugin-image-promotion-common';
import { Knex } from 'knex';

interface PromotionChangesRow {
  promotion_id: string;
  summary: string;
  recorded_at: Date | string;
}

/** What each promotion changes, as compared when it was requested: one row per promotion. */
export class PromotionChangesStore {
  constructor(private readonly db: Knex) {}

  /** Stores (or replaces) a promotion's change summary. */
  async record(
    promotionId: string,
    summary: ChangeSummary,
    now = new Date(),
  ): Promise<void> {
    await this.db<PromotionChangesRow>('promotion_changes')
      .insert({
        promotion_id: promotionId,
        summary: JSON.stringify(summary),
        recorded_at: now,
      })
      .onConflict('promotion_id')
      .merge();
  }

  /** A promotion's change summary, if one was recorded. */
  async get(promotionId: string): Promise<ChangeSummary | undefined> {
    const row = await this.db<PromotionChangesRow>('promotion_changes')
      .where({ promotion_id: promotionId })
      .first();
    return row ? (JSON.parse(row.summary) as ChangeSummary) : undefined;
  }

  /** The summaries of several promotions, by id; ids without one are absent. */
  async getMany(promotionIds: string[]): Promise<Map<string, ChangeSummary>> {
    const result = new Map<string, ChangeSummary>();
    // Bounded IN lists: a page of history is at most a few hundred ids.
    for (let i = 0; i < promotionIds.length; i += 500) {
      const rows = await this.db<PromotionChangesRow>('promotion_changes')
        .whereIn('promotion_id', promotionIds.slice(i, i + 500))
        .select('promotion_id', 'summary');
      for (const row of rows) {
        result.set(row.promotion_id, JSON.parse(row.summary) as ChangeSummary);
      }
    }
    return result;
  }
}
