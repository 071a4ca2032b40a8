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
import { EXECUTING_STATUSES, recordTransition } from './promotionTransitions';
import { PromotionRow, toPromotion } from './rows';
import type { ClaimOptions, CompletionStatus, Promotion } from './types';

/** How many claimable promotions one claim attempt looks at. */
const CLAIM_CANDIDATES = 25;
/**
 * How many times a promotion is started before it is given up. A replica that
 * dies mid-copy leaves its lease to expire and another one finishes the job;
 * a job that takes every replica down with it (say, one too big for memory)
 * must not do so forever.
 */
export const MAX_PROMOTION_ATTEMPTS = 5;

/**
 * The execution queue: replicas claim queued promotions under a lease, renew
 * it while copying, report progress and finish; a lease that expires lets
 * another replica take over, and a promotion whose soak or freeze window
 * still holds it goes back to wait. Works with several replicas on one
 * PostgreSQL: exactly one wins each claim.
 */
export class PromotionQueue {
  constructor(private readonly db: Knex) {}

  /**
   * Claims the oldest queued promotion, or one whose executing replica lost
   * its lease, for `owner`: status 'copying', attempts + 1, a fresh lease.
   * Exactly one of several racing replicas wins each promotion.
   */
  async claimNextPromotion(
    options: ClaimOptions,
  ): Promise<Promotion | undefined> {
    const now = options.now ?? new Date();
    const candidates = await this.db<PromotionRow>('promotions')
      // A promotion requested during its soak or a freeze window waits in
      // the queue until its time gates pass.
      .where(q =>
        q
          .where('status', 'queued')
          .where(q2 =>
            q2.whereNull('eligible_at').orWhere('eligible_at', '<=', now),
          ),
      )
      .orWhere(q =>
        q
          .whereIn('status', EXECUTING_STATUSES)
          .where('lease_expires_at', '<', now),
      )
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(CLAIM_CANDIDATES)
      .select('id', 'status', 'lease_owner', 'attempts');

    for (const candidate of candidates) {
      if (Number(candidate.attempts) >= MAX_PROMOTION_ATTEMPTS) {
        if (await this.giveUp(candidate, options.owner, now)) {
          await options.onGaveUp?.(candidate.id, candidate.status);
        }
        continue;
      }
      const claimed = await this.db.transaction(async tx => {
        const updated = await this.stillClaimable(tx, candidate, now).update({
          status: 'copying',
          lease_owner: options.owner,
          lease_expires_at: new Date(now.getTime() + options.leaseMs),
          attempts: tx.raw('attempts + 1'),
          started_at: tx.raw('coalesce(started_at, ?)', [now]),
          updated_at: now,
        });
        if (updated !== 1) {
          return false;
        }
        await recordTransition(tx, {
          id: candidate.id,
          from: candidate.status,
          to: 'copying',
          actor: options.owner,
          message:
            candidate.status === 'queued'
              ? `Claimed by ${options.owner}`
              : `Lease of ${
                  candidate.lease_owner ?? 'unknown'
                } expired; reclaimed by ${options.owner}`,
          now,
        });
        return true;
      });
      if (claimed) {
        const row = await this.db<PromotionRow>('promotions')
          .where({ id: candidate.id })
          .first();
        return row ? toPromotion(row) : undefined;
      }
    }
    return undefined;
  }

  /** A listed candidate's row, as long as it is unchanged and nobody holds a live lease on it. */
  private stillClaimable(
    tx: Knex.Transaction,
    candidate: Pick<PromotionRow, 'id' | 'status'>,
    now: Date,
  ) {
    return tx<PromotionRow>('promotions')
      .where({ id: candidate.id, status: candidate.status })
      .where(q =>
        q.whereNull('lease_owner').orWhere('lease_expires_at', '<', now),
      );
  }

  /** Fails a promotion whose every attempt ended with its lease expiring. */
  private async giveUp(
    candidate: Pick<PromotionRow, 'id' | 'status' | 'lease_owner' | 'attempts'>,
    actor: string,
    now: Date,
  ): Promise<boolean> {
    const reason = `Gave up after ${
      candidate.attempts
    } attempts: each time, the replica running it (last ${
      candidate.lease_owner ?? 'unknown'
    }) stopped before it finished. Check the backend logs for a crash or a restart during the copy, then request the promotion again.`;
    return this.db.transaction(async tx => {
      const updated = await this.stillClaimable(tx, candidate, now).update({
        status: 'failed',
        failure_reason: reason,
        lease_owner: null,
        lease_expires_at: null,
        finished_at: now,
        updated_at: now,
      });
      if (updated === 1) {
        await recordTransition(tx, {
          id: candidate.id,
          from: candidate.status,
          to: 'failed',
          actor,
          message: reason,
          now,
        });
      }
      return updated === 1;
    });
  }

  /**
   * Extends `owner`'s lease on an executing promotion.
   *
   * @returns false when the lease was lost to another replica or the promotion finished
   */
  async renewLease(
    id: string,
    owner: string,
    leaseMs: number,
    now: Date = new Date(),
  ): Promise<boolean> {
    const updated = await this.db<PromotionRow>('promotions')
      .where({ id, lease_owner: owner })
      .whereIn('status', EXECUTING_STATUSES)
      .update({
        lease_expires_at: new Date(now.getTime() + leaseMs),
        updated_at: now,
      });
    return updated === 1;
  }

  /**
   * Stores copy progress, readable while copying.
   *
   * @returns false when `owner` no longer holds the lease
   */
  async updateProgress(
    id: string,
    owner: string,
    progress: { bytesCopied: number; bytesTotal?: number | null },
    now: Date = new Date(),
  ): Promise<boolean> {
    const updated = await this.db<PromotionRow>('promotions')
      .where({ id, lease_owner: owner })
      .whereIn('status', EXECUTING_STATUSES)
      .update({
        bytes_copied: progress.bytesCopied,
        ...(progress.bytesTotal !== undefined
          ? { bytes_total: progress.bytesTotal }
          : {}),
        updated_at: now,
      });
    return updated === 1;
  }

  /**
   * Moves an executing promotion from 'copying' to 'verifying'.
   *
   * @returns false when `owner` no longer holds the lease
   */
  async markVerifying(
    id: string,
    owner: string,
    now: Date = new Date(),
  ): Promise<boolean> {
    return this.db.transaction(async tx => {
      const updated = await tx<PromotionRow>('promotions')
        .where({ id, lease_owner: owner, status: 'copying' })
        .update({ status: 'verifying', updated_at: now });
      if (updated !== 1) {
        return false;
      }
      await recordTransition(tx, {
        id,
        from: 'copying',
        to: 'verifying',
        actor: owner,
        message: null,
        now,
      });
      return true;
    });
  }

  /**
   * Finishes an executing promotion held by `owner`, releasing its lease
   * and the component's environment.
   *
   * @returns false when `owner` no longer holds the lease
   */
  async completePromotion(
    id: string,
    owner: string,
    to: CompletionStatus,
    details?: { failureReason?: string; message?: string; now?: Date },
  ): Promise<boolean> {
    const now = details?.now ?? new Date();
    return this.db.transaction(async tx => {
      const current = await tx<PromotionRow>('promotions')
        .where({ id, lease_owner: owner })
        .whereIn('status', EXECUTING_STATUSES)
        .first('status');
      if (!current) {
        return false;
      }
      const updated = await tx<PromotionRow>('promotions')
        .where({ id, lease_owner: owner, status: current.status })
        .update({
          status: to,
          failure_reason: details?.failureReason ?? null,
          lease_owner: null,
          lease_expires_at: null,
          finished_at: now,
          updated_at: now,
        });
      if (updated !== 1) {
        return false;
      }
      await recordTransition(tx, {
        id,
        from: current.status,
        to,
        actor: owner,
        message: details?.message ?? details?.failureReason ?? null,
        now,
      });
      return true;
    });
  }

  /**
   * Puts a claimed promotion held by `owner` back into the queue until
   * `eligibleAt` (its soak or a freeze window holds it), without counting
   * the claim as an attempt.
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
      await recordTransition(tx, {
        id,
        from: 'copying',
        to: 'queued',
        actor: owner,
        message,
        now,
      });
      return true;
    });
  }
}
