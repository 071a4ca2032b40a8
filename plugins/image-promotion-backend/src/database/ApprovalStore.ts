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
import { DuplicateApprovalError } from './errors';
import { ApprovalRow, PromotionRow, toApproval, toPromotion } from './rows';
import { chunks, isUniqueViolation } from './storeUtils';
import type { Approval, NewApproval, Promotion } from './types';

/** A promotion waiting for approval, with the decisions given so far. */
export interface WaitingPromotion {
  promotion: Promotion;
  approvals: Approval[];
}

/**
 * Approvers' decisions on promotions (part of the promotion aggregate, kept
 * apart for size) and the promotions waiting for them, across components:
 * the source of the approvals inbox. Who may approve which is decided by the
 * caller (permissions and approver groups are not the database's business).
 */
export class ApprovalStore {
  constructor(private readonly db: Knex) {}

  /**
   * Stores an approver's decision.
   *
   * @throws DuplicateApprovalError when the approver already decided
   */
  async addApproval(input: NewApproval): Promise<Approval> {
    const row: ApprovalRow = {
      promotion_id: input.promotionId,
      approver: input.approver,
      digest: input.digest,
      decision: input.decision,
      comment: input.comment ?? null,
      at: input.at ?? new Date(),
    };
    try {
      await this.db<ApprovalRow>('promotion_approvals').insert(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new DuplicateApprovalError(input.promotionId, input.approver);
      }
      throw error;
    }
    return toApproval(row);
  }

  /** Lists a promotion's approvals and rejections, oldest first. */
  async listApprovals(promotionId: string): Promise<Approval[]> {
    const rows = await this.db<ApprovalRow>('promotion_approvals')
      .where({ promotion_id: promotionId })
      .orderBy([
        { column: 'at', order: 'asc' },
        { column: 'approver', order: 'asc' },
      ]);
    return rows.map(toApproval);
  }

  /** Every promotion in `pending_approval`, oldest request first, with its decisions. */
  async listWaiting(): Promise<WaitingPromotion[]> {
    const rows = await this.db<PromotionRow>('promotions')
      .where('status', 'pending_approval')
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    const byPromotion = new Map<string, Approval[]>();
    for (const chunk of chunks(rows.map(r => r.id))) {
      const approvals = await this.db<ApprovalRow>('promotion_approvals')
        .whereIn('promotion_id', chunk)
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
