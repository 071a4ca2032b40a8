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

import type { DatabaseService } from '@backstage/backend-plugin-api';
import type { Knex } from 'knex';
import { TERMINAL_STATUSES } from '../domain/types';
import {
  ApprovalRow,
  DbTimestamp,
  DriftEventRow,
  PromotionRow,
  TagStateRow,
  toDate,
  toDriftEvent,
  toPromotion,
  toVersion,
  VersionRow,
} from './rows';
import type {
  CurrentVersion,
  DriftEvent,
  ImageVersion,
  Promotion,
} from './types';
import { chooseCurrent, CurrentTagState } from './currentVersion';
import {
  toTrackingError,
  TrackingError,
  TrackingErrorRow,
} from './TrackingErrorStore';

// Bulk reads for the overview, metrics and status endpoints: each method is a
// fixed number of SQL statements however many components it covers, where
// the aggregate stores answer one component and environment at a time.

/** Above this many entity refs a read covers every component and the caller picks its rows (no statement grows with the catalog). */
const MAX_REFS_IN_QUERY = 500;

/** An environment as the read models need it. */
export interface EnvironmentRef {
  id: string;
  currentTag?: string;
}

function key(entityRef: string, environment: string): string {
  return `${entityRef}\u0000${environment}`;
}

function group<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

/** Per component and environment, what the overview shows. */
export interface EnvironmentState {
  /** Newest first. */
  versions: ImageVersion[];
  current: CurrentVersion | undefined;
  /** The newest succeeded-or-failed promotion, when it failed. */
  lastFailure: Promotion | undefined;
  openDrift: number;
  pendingApprovals: number;
  /** Why tracking could not read the environment's registry at its last try. */
  trackingError: TrackingError | undefined;
}

/** What {@link ReadModelQueries.environmentStates} read, by component and environment. */
interface StateMaps {
  versions: Map<string, ImageVersion[]>;
  /** Keyed by component, environment and tag. */
  tagStates: Map<string, CurrentTagState>;
  succeeded: Map<string, Promotion>;
  finished: Map<string, Promotion>;
  drift: Map<string, number>;
  pending: Map<string, number>;
  trackingErrors: Map<string, TrackingError>;
}

/** Bulk-read states, looked up by component and environment. */
export class EnvironmentStates {
  constructor(private readonly maps: StateMaps) {}

  /** The state of one environment of one component (the environment as the component's pipeline configures it). */
  get(entityRef: string, environment: EnvironmentRef): EnvironmentState {
    const k = key(entityRef, environment.id);
    const versions = this.maps.versions.get(k) ?? [];
    const finished = this.maps.finished.get(k);
    return {
      versions,
      current: chooseCurrent({
        tagState: environment.currentTag
          ? this.maps.tagStates.get(key(k, environment.currentTag))
          : undefined,
        succeeded: this.maps.succeeded.get(k),
        versions,
      }),
      lastFailure: finished?.status === 'failed' ? finished : undefined,
      openDrift: this.maps.drift.get(k) ?? 0,
      pendingApprovals: this.maps.pending.get(k) ?? 0,
      trackingError: this.maps.trackingErrors.get(k),
    };
  }
}

/** What the status endpoint shows of one component, per environment. */
export interface EntityEnvironmentStatus {
  versions: ImageVersion[];
  current: CurrentVersion | undefined;
  openPromotion: Promotion | undefined;
  drift: DriftEvent[];
  /** The newest succeeded-or-failed promotion, when it failed. */
  lastFailure: Promotion | undefined;
}

/** The promotions into an environment that decide its current version and its last failure. */
interface LatestPromotions {
  succeeded: Map<string, Promotion>;
  finished: Map<string, Promotion>;
}

/**
 * Bulk reads of the read models (overview, metrics, status): a fixed number
 * of statements per call, whatever the number of components.
 */
export class ReadModelQueries {
  /** Reads through the plugin database (migrations are run by createStores). */
  static async create(options: {
    database: DatabaseService;
  }): Promise<ReadModelQueries> {
    return new ReadModelQueries(await options.database.getClient());
  }

  constructor(private readonly db: Knex) {}

  /**
   * The state of every environment of `entityRefs` (all components when
   * omitted or too many to name): six statements, run together.
   * `environments` are those of the pipelines involved, each with its
   * current tag.
   */
  async environmentStates(options: {
    entityRefs?: readonly string[];
    environments: readonly EnvironmentRef[];
  }): Promise<EnvironmentStates> {
    const refs = this.restriction(options.entityRefs);
    if (refs?.length === 0) {
      return new EnvironmentStates({
        versions: new Map(),
        tagStates: new Map(),
        succeeded: new Map(),
        finished: new Map(),
        drift: new Map(),
        pending: new Map(),
        trackingErrors: new Map(),
      });
    }
    const [versions, tagStates, latest, drift, pending, trackingErrors] =
      await Promise.all([
        this.versions(refs),
        this.currentTagStates(refs, options.environments),
        this.latestPromotions(refs),
        this.countByEnvironment('drift_events', 'environment', refs, q =>
          q.whereNull('acknowledged_at'),
        ),
        this.countByEnvironment('promotions', 'target_environment', refs, q =>
          q.where('status', 'pending_approval'),
        ),
        this.trackingErrors(refs),
      ]);
    return new EnvironmentStates({
      versions,
      tagStates,
      ...latest,
      drift,
      pending,
      trackingErrors,
    });
  }

  /** Every environment of one component, for the status endpoint: five statements, run together. */
  async entityStatus(
    entityRef: string,
    environments: readonly EnvironmentRef[],
  ): Promise<Map<string, EntityEnvironmentStatus>> {
    const refs = [entityRef];
    const [versions, tagStates, latest, open, drift] = await Promise.all([
      this.versions(refs),
      this.currentTagStates(refs, environments),
      this.latestPromotions(refs),
      this.openPromotions(entityRef),
      this.db<DriftEventRow>('drift_events')
        .where('entity_ref', entityRef)
        .whereNull('acknowledged_at')
        .orderBy([
          { column: 'detected_at', order: 'desc' },
          { column: 'id', order: 'asc' },
        ]),
    ]);
    const driftByEnvironment = group(drift.map(toDriftEvent), e =>
      key(e.entityRef, e.environment),
    );
    return new Map(
      environments.map(environment => {
        const k = key(entityRef, environment.id);
        const list = versions.get(k) ?? [];
        const finished = latest.finished.get(k);
        return [
          environment.id,
          {
            versions: list,
            current: chooseCurrent({
              tagState: environment.currentTag
                ? tagStates.get(key(k, environment.currentTag))
                : undefined,
              succeeded: latest.succeeded.get(k),
              versions: list,
            }),
            openPromotion: open.get(environment.id),
            drift: driftByEnvironment.get(k) ?? [],
            lastFailure: finished?.status === 'failed' ? finished : undefined,
          },
        ];
      }),
    );
  }

  /** Who approved each of some promotions, in the order they did: one statement. */
  async approvers(
    promotionIds: readonly string[],
  ): Promise<Map<string, string[]>> {
    const ids = [...new Set(promotionIds)];
    if (ids.length === 0) return new Map();
    const rows: Pick<ApprovalRow, 'promotion_id' | 'approver'>[] =
      await this.db<ApprovalRow>('promotion_approvals')
        .whereIn('promotion_id', ids)
        .where('decision', 'approved')
        .orderBy([
          { column: 'at', order: 'asc' },
          { column: 'approver', order: 'asc' },
        ])
        .select('promotion_id', 'approver');
    const byPromotion = group(rows, r => r.promotion_id);
    return new Map(
      [...byPromotion].map(([id, list]) => [id, list.map(r => r.approver)]),
    );
  }

  /**
   * When the digests promoted into a pipeline's last environment were first
   * seen in its first environment, for the lead time: one statement.
   */
  async leadTimeStarts(options: {
    firstEnvironment: string;
    lastEnvironments: readonly string[];
    since: Date;
    until: Date;
  }): Promise<Map<string, Date>> {
    if (options.lastEnvironments.length === 0) return new Map();
    const rows: Array<{
      entity_ref: string;
      digest: string;
      first_seen: DbTimestamp;
    }> = await this.db('promotions as p')
      .join('image_versions as v', join =>
        join
          .on('v.entity_ref', '=', 'p.entity_ref')
          .andOn('v.digest', '=', 'p.digest'),
      )
      .where('v.environment', options.firstEnvironment)
      .where('p.status', 'succeeded')
      .whereIn('p.target_environment', [...options.lastEnvironments])
      .where('p.finished_at', '>=', options.since)
      .where('p.finished_at', '<', options.until)
      .distinct('v.entity_ref', 'v.digest', 'v.first_seen');
    return new Map(
      rows.map(r => [key(r.entity_ref, r.digest), toDate(r.first_seen)]),
    );
  }

  /** Undefined (every component) when there are too many refs for one statement. */
  private restriction(
    entityRefs: readonly string[] | undefined,
  ): string[] | undefined {
    if (!entityRefs || entityRefs.length > MAX_REFS_IN_QUERY) return undefined;
    return [...new Set(entityRefs)];
  }

  private async versions(
    refs: string[] | undefined,
  ): Promise<Map<string, ImageVersion[]>> {
    const query = this.db<VersionRow>('image_versions').orderBy([
      { column: 'entity_ref', order: 'asc' },
      { column: 'environment', order: 'asc' },
      { column: 'first_seen', order: 'desc' },
      { column: 'digest', order: 'asc' },
    ]);
    if (refs) query.whereIn('entity_ref', refs);
    return group((await query).map(toVersion), v =>
      key(v.entityRef, v.environment),
    );
  }

  private async currentTagStates(
    refs: string[] | undefined,
    environments: readonly EnvironmentRef[],
  ): Promise<Map<string, CurrentTagState>> {
    const withTag = environments.filter(e => e.currentTag);
    if (withTag.length === 0) return new Map();
    const query = this.db<TagStateRow>('tag_states as t')
      .leftJoin('promotions as p', 'p.id', 't.promotion_id')
      .where(q => {
        for (const e of withTag) {
          q.orWhere(w =>
            w.where('t.environment', e.id).where('t.tag', e.currentTag!),
          );
        }
      })
      .select('t.*', 'p.requested_by');
    if (refs) query.whereIn('t.entity_ref', refs);
    const rows: Array<TagStateRow & { requested_by: string | null }> =
      await query;
    return new Map(
      rows.map(r => [
        key(key(r.entity_ref, r.environment), r.tag),
        {
          digest: r.digest,
          tag: r.tag,
          since: toDate(r.since),
          promotionId: r.promotion_id,
          requestedBy: r.promotion_id ? r.requested_by ?? null : null,
        },
      ]),
    );
  }

  /**
   * Per component and target environment, the newest succeeded promotion
   * (by finish) and the newest succeeded-or-failed one (by creation, as the
   * promotion list orders them), in one pass of window functions.
   */
  private async latestPromotions(
    refs: string[] | undefined,
  ): Promise<LatestPromotions> {
    const ranked = this.db<PromotionRow>('promotions')
      .select(
        '*',
        this.db.raw(
          'row_number() over (partition by entity_ref, target_environment order by created_at desc, id desc) as finished_rank',
        ),
        this.db.raw(
          'row_number() over (partition by entity_ref, target_environment, status order by finished_at desc, id desc) as status_rank',
        ),
      )
      .whereIn('status', ['succeeded', 'failed']);
    if (refs) ranked.whereIn('entity_ref', refs);
    const rows: Array<
      PromotionRow & { finished_rank: number; status_rank: number }
    > = await this.db
      .select('*')
      .from(ranked.as('ranked'))
      .where('finished_rank', 1)
      .orWhere(q => q.where('status', 'succeeded').where('status_rank', 1));
    const succeeded = new Map<string, Promotion>();
    const finished = new Map<string, Promotion>();
    for (const row of rows) {
      const promotion = toPromotion(row);
      const k = key(promotion.entityRef, promotion.targetEnvironment);
      if (Number(row.finished_rank) === 1) finished.set(k, promotion);
      if (row.status === 'succeeded' && Number(row.status_rank) === 1) {
        succeeded.set(k, promotion);
      }
    }
    return { succeeded, finished };
  }

  private async countByEnvironment(
    table: 'drift_events' | 'promotions',
    environmentColumn: 'environment' | 'target_environment',
    refs: string[] | undefined,
    where: (query: Knex.QueryBuilder) => void,
  ): Promise<Map<string, number>> {
    const query = this.db(table)
      .select('entity_ref', `${environmentColumn} as environment`)
      .count({ count: '*' })
      .groupBy('entity_ref', environmentColumn);
    where(query);
    if (refs) query.whereIn('entity_ref', refs);
    const rows = (await query) as Array<{
      entity_ref: string;
      environment: string;
      count: number | string;
    }>;
    return new Map(
      rows.map(r => [key(r.entity_ref, r.environment), Number(r.count)]),
    );
  }

  /** The environments tracking could not read at its last try, by component and environment. */
  private async trackingErrors(
    refs: string[] | undefined,
  ): Promise<Map<string, TrackingError>> {
    const query = this.db<TrackingErrorRow>('tracking_errors');
    if (refs) query.whereIn('entity_ref', refs);
    const rows: TrackingErrorRow[] = await query;
    return new Map(
      rows.map(r => [key(r.entity_ref, r.environment), toTrackingError(r)]),
    );
  }

  /** The open (not terminal) promotion per target environment of a component, through its lock. */
  private async openPromotions(
    entityRef: string,
  ): Promise<Map<string, Promotion>> {
    const rows: PromotionRow[] = await this.db('promotion_locks as l')
      .join('promotions as p', 'p.id', 'l.promotion_id')
      .where('l.entity_ref', entityRef)
      .whereNotIn('p.status', [...TERMINAL_STATUSES])
      .select('p.*');
    return new Map(rows.map(r => [r.target_environment, toPromotion(r)]));
  }
}
