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

import { randomUUID } from 'node:crypto';
import { Knex } from 'knex';
import { OpenPromotionExistsError } from './errors';
import { decodeCursor, encodeCursor } from './promotionCursor';
import { EXECUTING_STATUSES, recordTransition } from './promotionTransitions';
import {
  PromotionEventRow,
  PromotionLockRow,
  PromotionRow,
  toDate,
  toPromotion,
  toPromotionEvent,
} from './rows';
import { isTerminal } from './storeUtils';
import type {
  ApprovalWait,
  NewPromotion,
  Promotion,
  PromotionEvent,
  PromotionPage,
  PromotionQuery,
  PromotionTransition,
} from './types';

/** Lost a race against a lock being released; creating again will succeed or see the new holder. */
class LockReleasedRace extends Error {}

/**
 * Promotions: their creation (at most one open per component and target
 * environment), status changes with their history, and the lists read from
 * them. Approvals are in ApprovalStore, the execution queue (leases) in
 * PromotionQueue.
 */
export class PromotionStore {
  constructor(private readonly db: Knex) {}

  /**
   * Creates a promotion, atomically refusing when another one into the same
   * component and environment is still open.
   *
   * @throws OpenPromotionExistsError carrying the open promotion's id
   */
  async createPromotion(input: NewPromotion): Promise<Promotion> {
    const now = input.now ?? new Date();
    const row: PromotionRow = {
      id: randomUUID(),
      entity_ref: input.entityRef,
      source_environment: input.sourceEnvironment,
      target_environment: input.targetEnvironment,
      digest: input.digest,
      source_tag: input.sourceTag ?? null,
      target_tag: input.targetTag,
      reason: input.reason ?? null,
      status: input.status,
      requested_by: input.requestedBy,
      is_rollback: input.isRollback ?? false,
      gate_results: JSON.stringify(input.gateResults ?? []),
      failure_reason: null,
      bytes_total: null,
      bytes_copied: 0,
      attempts: 0,
      lease_owner: null,
      lease_expires_at: null,
      created_at: now,
      updated_at: now,
      started_at: null,
      finished_at: null,
      eligible_at: input.eligibleAt ?? null,
    };
    const lockKey = {
      entity_ref: input.entityRef,
      target_environment: input.targetEnvironment,
    };

    for (let attempt = 0; ; attempt++) {
      try {
        await this.db.transaction(async tx => {
          await tx<PromotionRow>('promotions').insert(row);
          await tx<PromotionEventRow>('promotion_events').insert({
            promotion_id: row.id,
            from_status: null,
            to_status: row.status,
            actor: input.requestedBy,
            message: input.reason ?? null,
            at: now,
          });
          // On PostgreSQL a concurrent insert of the same key waits for the
          // other transaction and then does nothing; SQLite serialises writers.
          await tx<PromotionLockRow>('promotion_locks')
            .insert({ ...lockKey, promotion_id: row.id, created_at: now })
            .onConflict(['entity_ref', 'target_environment'])
            .ignore();
          const lock = await tx<PromotionLockRow>('promotion_locks')
            .where(lockKey)
            .first();
          if (!lock) {
            throw new LockReleasedRace();
          }
          if (lock.promotion_id === row.id) {
            return;
          }
          const holder = await tx<PromotionRow>('promotions')
            .where({ id: lock.promotion_id })
            .first('status');
          if (holder && !isTerminal(holder.status)) {
            throw new OpenPromotionExistsError(
              input.entityRef,
              input.targetEnvironment,
              lock.promotion_id,
            );
          }
          // A lock left behind by a finished promotion does not block.
          await tx<PromotionLockRow>('promotion_locks')
            .where({ ...lockKey, promotion_id: lock.promotion_id })
            .delete();
          throw new LockReleasedRace();
        });
        return toPromotion(row);
      } catch (error) {
        if (error instanceof LockReleasedRace && attempt < 5) {
          continue;
        }
        throw error;
      }
    }
  }

  /** Returns one promotion. */
  async getPromotion(id: string): Promise<Promotion | undefined> {
    const row = await this.db<PromotionRow>('promotions').where({ id }).first();
    return row ? toPromotion(row) : undefined;
  }

  /** Returns the open promotion into a component's environment, if any. */
  async getOpenPromotion(
    entityRef: string,
    targetEnvironment: string,
  ): Promise<Promotion | undefined> {
    const lock = await this.db<PromotionLockRow>('promotion_locks')
      .where({ entity_ref: entityRef, target_environment: targetEnvironment })
      .first();
    if (!lock) {
      return undefined;
    }
    const promotion = await this.getPromotion(lock.promotion_id);
    return promotion && !isTerminal(promotion.status) ? promotion : undefined;
  }

  /** Lists promotions newest first, one page at a time. */
  async listPromotions(query: PromotionQuery): Promise<PromotionPage> {
    const limit = Math.max(1, Math.floor(query.limit));
    const filtered = () => {
      const q = this.db<PromotionRow>('promotions');
      if (query.entityRef) {
        q.where('entity_ref', query.entityRef);
      }
      if (query.environment) {
        q.where('target_environment', query.environment);
      }
      if (query.status) {
        q.whereIn('status', query.status);
      }
      return q;
    };

    const page = filtered()
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(limit + 1);
    if (query.cursor) {
      const { createdAt, id } = decodeCursor(query.cursor);
      page.where(q =>
        q
          .where('created_at', '<', createdAt)
          .orWhere(q2 =>
            q2.where('created_at', '=', createdAt).where('id', '<', id),
          ),
      );
    } else if (query.offset) {
      page.offset(Math.max(0, Math.floor(query.offset)));
    }

    const [rows, [{ count }]] = await Promise.all([
      page,
      filtered().count({ count: '*' }),
    ]);
    const items = rows.slice(0, limit).map(toPromotion);
    const last = items[items.length - 1];
    return {
      items,
      totalCount: Number(count),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({ created_at: last.createdAt, id: last.id })
          : undefined,
    };
  }

  /**
   * Moves a promotion to `to` if it is in one of `from` (compare-and-set),
   * recording the change in its history; a terminal status releases the
   * component's environment for the next promotion.
   *
   * @returns false when the promotion is missing or in another status
   */
  async transition(id: string, change: PromotionTransition): Promise<boolean> {
    const now = change.now ?? new Date();
    return this.db.transaction(async tx => {
      const current = await tx<PromotionRow>('promotions')
        .where({ id })
        .first('status');
      if (!current || !change.from.includes(current.status)) {
        return false;
      }
      const executing = EXECUTING_STATUSES.includes(change.to);
      const updated = await tx<PromotionRow>('promotions')
        .where({ id, status: current.status })
        .update({
          status: change.to,
          updated_at: now,
          ...(change.failureReason !== undefined
            ? { failure_reason: change.failureReason }
            : {}),
          ...(executing ? {} : { lease_owner: null, lease_expires_at: null }),
          ...(isTerminal(change.to) ? { finished_at: now } : {}),
        });
      if (updated !== 1) {
        return false;
      }
      await recordTransition(tx, {
        id,
        from: current.status,
        to: change.to,
        actor: change.actor,
        message: change.message ?? change.failureReason ?? null,
        now,
      });
      return true;
    });
  }

  /** Lists a promotion's status changes, oldest first. */
  async listPromotionEvents(promotionId: string): Promise<PromotionEvent[]> {
    const rows = await this.db<PromotionEventRow>('promotion_events')
      .where({ promotion_id: promotionId })
      .orderBy('id');
    return rows.map(toPromotionEvent);
  }

  /** Lists promotions that succeeded in [since, until), oldest first. */
  async listSucceededPromotions(options: {
    since: Date;
    until?: Date;
    environment?: string;
    entityRef?: string;
  }): Promise<Promotion[]> {
    const query = this.db<PromotionRow>('promotions')
      .where('status', 'succeeded')
      .where('finished_at', '>=', options.since)
      .orderBy([
        { column: 'finished_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ]);
    if (options.until) {
      query.where('finished_at', '<', options.until);
    }
    if (options.environment) {
      query.where('target_environment', options.environment);
    }
    if (options.entityRef) {
      query.where('entity_ref', options.entityRef);
    }
    return (await query).map(toPromotion);
  }

  /** Lists when promotions that waited for approval were queued, for those queued since `since`. */
  async listApprovalWaits(options: { since: Date }): Promise<ApprovalWait[]> {
    const rows: Array<{
      promotion_id: string;
      entity_ref: string;
      target_environment: string;
      created_at: PromotionRow['created_at'];
      queued_at: PromotionEventRow['at'];
    }> = await this.db('promotion_events as e')
      .join('promotions as p', 'p.id', 'e.promotion_id')
      .where('e.from_status', 'pending_approval')
      .where('e.to_status', 'queued')
      .where('e.at', '>=', options.since)
      .orderBy('e.at')
      .select(
        'e.promotion_id',
        'p.entity_ref',
        'p.target_environment',
        'p.created_at',
        'e.at as queued_at',
      );
    return rows.map(r => ({
      promotionId: r.promotion_id,
      entityRef: r.entity_ref,
      targetEnvironment: r.target_environment,
      createdAt: toDate(r.created_at),
      queuedAt: toDate(r.queued_at),
    }));
  }
}
