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
import type { PromotionEventRow, PromotionRow } from './rows';

/**
 * The time side of the queue: a promotion the worker claimed but whose soak
 * or freeze window still holds it goes back to the queue until it is
 * eligible, without counting the claim as an attempt.
 */
export class PromotionScheduleStore {
  constructor(private readonly db: Knex) {}

  /**
   * Puts a claimed promotion held by `owner` back into the queue until `eligibleAt`.
   *
   * @returns false when `owner` no longer holds it
   */
  async defer(
    id: string,
    owner: string,
    eligibleAt: Date,
    message: string,
    now: Date = new Date(),
  ): Promise<boolean> {
    return this.db.transaction(async tx => {
      const updated = await tx<PromotionRow>('promotions')
        .where({ id, lease_owner: owner, status: 'copying' })
        .update({
          status: 'queued',
          eligible_at: eligibleAt,
          lease_owner: null,
          lease_expires_at: null,
          // A wait is not a failed attempt; the give-up count stays for crashes.
          attempts: tx.raw(
            'case when attempts > 0 then attempts - 1 else 0 end',
          ),
          started_at: tx.raw(
            'case when attempts > 1 then started_at else null end',
          ),
          updated_at: now,
        });
      if (updated !== 1) return false;
      await tx<PromotionEventRow>('promotion_events').insert({
        promotion_id: id,
        from_status: 'copying',
        to_status: 'queued',
        actor: owner,
        message,
        at: now,
      });
      return true;
    });
  }
}
