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

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { copyImage } from '@image-promotion/plugin-image-promotion-node';
import type { ImagePromotionStores, Promotion } from '../database';
import type { PromotionStatus } from '../domain/types';
import type { PromotionListener } from '../notify';
import { failedGates, formatInstant, requestVerdict } from '../policy';
import type { RegistryAccess } from '../registry/RegistryAccess';
import { copyFailureReason, RegistryPlace } from '../registry/registryFailure';
import type { PromotionService } from './PromotionService';

/** Options of {@link PromotionWorker}. */
export interface PromotionWorkerOptions {
  stores: Pick<
    ImagePromotionStores,
    'promotions' | 'tags' | 'queue' | 'copyFigures'
  >;
  service: PromotionService;
  access: RegistryAccess;
  logger: LoggerService;
  /** Identifies this replica in leases; default hostname, pid and a random suffix. */
  owner?: string;
  /** How long a claim holds without renewal; a dead replica's job is reclaimed after it. */
  leaseMs?: number;
  /** How often an idle worker looks for work. */
  pollMs?: number;
  /** Bound on the registry lookups of the policy check before copying (default 10 s); the copy itself is bounded by the transport's deadlines. */
  planTimeoutMs?: number;
  /** Test hook: called with the promotion id once bytes started flowing. */
  onCopyStarted?: (promotionId: string) => void;
  /** Told about every status change, for notifications and live updates. */
  listener?: PromotionListener;
  /** The clock that decides when a queued promotion is eligible; default the system clock. */
  now?: () => Date;
}

/**
 * Executes queued promotions: claims one with a lease (exactly one replica
 * wins), checks policy again, copies blobs and manifests by digest, records
 * the tag it is about to move, moves it, verifies the target and finishes.
 * A replica that dies leaves the lease to expire; another one reclaims the
 * job and, the copy being idempotent, finishes it.
 */
export class PromotionWorker {
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private timer?: NodeJS.Timeout;
  private running = false;
  private stopped = true;
  private wakeRequested = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly aborts = new Set<AbortController>();

  constructor(private readonly options: PromotionWorkerOptions) {
    this.owner =
      options.owner ??
      `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 2_000;
  }

  /** Starts polling for work. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and aborts running copies (their leases expire and another replica finishes them). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const a of this.aborts) a.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Looks for work now rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(delay: number) {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const done = this.drain().catch(error =>
        this.options.logger.error(`Promotion worker failed: ${error}`),
      );
      this.inFlight.add(done);
      done.finally(() => this.inFlight.delete(done));
    }, delay);
  }

  private async drain() {
    if (this.running) return;
    this.running = true;
    try {
      do {
        this.wakeRequested = false;
        while (!this.stopped && (await this.runOnce())) {
          // keep going while there is work
        }
      } while (this.wakeRequested && !this.stopped);
    } finally {
      this.running = false;
      this.schedule(this.pollMs);
    }
  }

  /** Claims and executes at most one promotion; true when one was found. */
  async runOnce(): Promise<boolean> {
    const promotion = await this.options.stores.queue.claimNextPromotion({
      owner: this.owner,
      leaseMs: this.leaseMs,
      ...(this.options.now ? { now: this.options.now() } : {}),
      // A promotion given up after its last lease expired failed like any
      // other: its requester is told.
      onGaveUp: (id, previous) =>
        this.announce(id, previous).catch(error =>
          this.options.logger.warn(
            `Could not announce that promotion ${id} was given up: ${error}`,
          ),
        ),
    });
    if (!promotion) return false;
    await this.execute(promotion);
    return true;
  }

  /** Tells the listener about a status change the worker made. */
  private async announce(id: string, previous: PromotionStatus) {
    const listener = this.options.listener;
    if (!listener) return;
    const promotion = await this.options.stores.promotions.getPromotion(id);
    if (promotion && promotion.status !== previous) {
      listener.promotionChanged({ promotion, previous, actor: this.owner });
    }
  }

  private async execute(promotion: Promotion): Promise<void> {
    const { stores, service, access, logger } = this.options;
    await this.announce(promotion.id, 'queued').catch(() => undefined);
    const abort = new AbortController();
    this.aborts.add(abort);
    let leaseLost = false;
    const renew = setInterval(() => {
      stores.queue
        .renewLease(promotion.id, this.owner, this.leaseMs)
        .then(ok => {
          if (!ok) {
            leaseLost = true;
            abort.abort();
          }
        })
        .catch(() => undefined);
    }, Math.max(250, Math.floor(this.leaseMs / 3)));
    const fail = async (reason: string) => {
      logger.warn(`Promotion ${promotion.id} failed: ${reason}`);
      const previous =
        (await stores.promotions.getPromotion(promotion.id))?.status ??
        'copying';
      if (
        await stores.queue.completePromotion(
          promotion.id,
          this.owner,
          'failed',
          {
            failureReason: reason,
          },
        )
      ) {
        await this.announce(promotion.id, previous);
      }
    };
    let places: { source: RegistryPlace; target: RegistryPlace } | undefined;
    try {
      const planTimeoutMs = this.options.planTimeoutMs ?? 10_000;
      const plan = await service.replan(promotion, {
        signal: AbortSignal.any([
          abort.signal,
          AbortSignal.timeout(planTimeoutMs),
        ]),
        deadlineMs: planTimeoutMs,
      });
      const failed = failedGates(plan.gates);
      // Requested early: its soak or a freeze window still holds it, so it
      // waits in the queue instead of failing.
      const verdict = requestVerdict(plan.gates);
      if (
        failed.length &&
        verdict.acceptable &&
        !verdict.needsApproval &&
        verdict.eligibleAt
      ) {
        const deferred = await stores.queue.defer(
          promotion.id,
          this.owner,
          verdict.eligibleAt,
          `waiting until ${formatInstant(
            verdict.eligibleAt,
            this.options.now?.() ?? new Date(),
          )}: ${failed.map(g => g.message).join(' ')}`,
          this.options.now?.(),
        );
        if (deferred) await this.announce(promotion.id, 'copying');
        return;
      }
      if (failed.length) {
        await fail(
          `Policy no longer allows this promotion: ${failed
            .map(g => g.message)
            .join(' ')}`,
        );
        return;
      }
      const { component, source, target } = plan;
      places = {
        source: access.place(source),
        target: access.place(target),
      };
      const from = access.repository(
        source,
        component.image,
        component.entityRef,
      );
      const to = access.repository(
        target,
        component.image,
        component.entityRef,
      );

      let lastWrite = 0;
      const perBlob = new Map<string, number>();
      let total: number | null = null;
      let started = false;
      // One write at a time, in order: a late small figure never overwrites a
      // later larger one.
      let progressWrites: Promise<unknown> = Promise.resolve();
      const writeProgress = (bytesCopied: number) => {
        progressWrites = progressWrites
          .then(() =>
            stores.queue.updateProgress(promotion.id, this.owner, {
              bytesCopied,
              bytesTotal: total,
            }),
          )
          .catch(() => undefined);
      };
      // Children and manifests by digest first: idempotent, and nothing a
      // person relies on changes until the tag moves below.
      const result = await copyImage(from, promotion.digest, to, undefined, {
        signal: abort.signal,
        referrers: false,
        onProgress: event => {
          if (event.type === 'plan') total = event.bytes;
          if (event.type !== 'blob') return;
          // A blob that is done is in the target whole, whoever put it there:
          // after a takeover the blobs the first replica copied count too.
          perBlob.set(
            event.digest,
            event.status === 'done' ? event.size : event.transferred,
          );
          if (!started && event.transferred > 0) {
            started = true;
            this.options.onCopyStarted?.(promotion.id);
          }
          const now = Date.now();
          if (now - lastWrite < 500 && event.status !== 'done') return;
          lastWrite = now;
          let copied = 0;
          for (const v of perBlob.values()) copied += v;
          writeProgress(copied);
        },
      });
      if (abort.signal.aborted) throw new Error('aborted');
      // Every blob is in the target now.
      if (total !== null) writeProgress(total);
      await progressWrites;
      if (!(await stores.queue.markVerifying(promotion.id, this.owner))) {
        throw new Error('lease lost before verification');
      }
      await this.announce(promotion.id, 'copying');
      await stores.copyFigures
        .record({
          promotionId: promotion.id,
          manifests: result.manifests,
          blobs: {
            total: result.blobs.total,
            existing: result.blobs.exists,
            mounted: result.blobs.mounted,
            uploaded: result.blobs.uploaded,
          },
          bytes: result.bytes,
          upToDate: result.upToDate,
          durationMs: result.durationMs,
        })
        .catch(error =>
          logger.warn(
            `Could not store the copy figures of promotion ${promotion.id}: ${error}`,
          ),
        );

      const manifest = await to.getManifest(promotion.digest, abort.signal);
      const tags = [promotion.targetTag];
      if (target.currentTag && target.currentTag !== promotion.targetTag) {
        tags.push(target.currentTag);
      }
      for (const tag of tags) {
        // Record the intended tag first so tracking running in between does
        // not mistake this move for drift.
        await stores.tags.recordPromotedTag({
          entityRef: promotion.entityRef,
          environment: promotion.targetEnvironment,
          tag,
          digest: promotion.digest,
          promotionId: promotion.id,
        });
        const reported = await to.putManifest(
          tag,
          manifest.bytes,
          manifest.descriptor.mediaType,
          abort.signal,
        );
        if (reported !== promotion.digest) {
          throw new Error(
            `${to.location}:${tag} reports ${reported} after the push, expected ${promotion.digest}`,
          );
        }
      }
      const check = await to.resolve(promotion.targetTag, abort.signal);
      if (check?.digest !== promotion.digest) {
        throw new Error(
          `verification failed: ${to.location}:${
            promotion.targetTag
          } resolves to ${check?.digest ?? 'nothing'}, expected ${
            promotion.digest
          }`,
        );
      }
      const done = await stores.queue.completePromotion(
        promotion.id,
        this.owner,
        'succeeded',
        {
          message: `${to.location}:${promotion.targetTag} is ${promotion.digest}`,
        },
      );
      if (done) {
        await this.announce(promotion.id, 'verifying');
        logger.info(
          `Promotion ${promotion.id} of ${promotion.entityRef} into ${promotion.targetEnvironment} succeeded`,
        );
      }
    } catch (error) {
      if (leaseLost || this.stopped) {
        logger.info(
          `Promotion ${promotion.id} stopped on ${this.owner} (${
            leaseLost ? 'lease lost or cancelled' : 'shutting down'
          })`,
        );
        return;
      }
      await fail(
        places
          ? copyFailureReason(error, {
              ...places,
              action: `copying ${promotion.digest} from ${promotion.sourceEnvironment} to ${promotion.targetEnvironment}`,
            })
          : (error as Error).message,
      );
    } finally {
      clearInterval(renew);
      this.aborts.delete(abort);
    }
  }
}
