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
import { ApprovalRow, PromotionRow, toApproval, toPromotion } from './rows';
import type { Approval, Promotion } from './types';

/** Keeps an IN list well below the databases' bind-variable limits. */
const CHUNK = 200;

/** A promotion waiting for approval, with the decisions given so far. */
export interface WaitingPromotion {
  promotion: Promotion;
  approvals: Approval[];
}

/**
 * Reads the promotions that wait for approval, across components: the
 * source of the approvals inbox. Who may approve which is decided by the
 * caller (permissions and approver groups are not the database's business).
 */
export class ApprovalInboxStore {
  constructor(private readonly db: Knex) {}

  /** Every promotion in `pending_approval`, oldest request first, with its decisions. */
  async listWaiting(): Promise<WaitingPromotion[]> {
    const rows = await this.db<PromotionRow>('promotions')
      .where('status', 'pending_approval')
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    const byPromotion = new Map<string, Approval[]>();
    for (let i = 0; i < rows.length; i += CHUNK) {
      const ids = rows.slice(i, i + CHUNK).map(r => r.id);
      const approvals = await this.db<ApprovalRow>('promotion_approvals')
        .whereIn('promotion_id', ids)
        .orderBy([
          { column: 'at', order: 'asc' },
          { column: 'approver', order: 'asc' },
        ]);
      for (const row of approvals) {
        const list = byPromotion.get(row.promotion_id) ?? [];
        list.push(toApproval(row));
        byPromotion.set(row.promotion_id, list);
      }
    }
    return rows.map(row => ({
      promotion: toPromotion(row),
      approvals: byPromotion.get(row.id) ?? [],
    }));
  }
}
