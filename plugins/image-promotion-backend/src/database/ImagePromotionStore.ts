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
import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { Knex } from 'knex';
import { PromotionStatus, TERMINAL_STATUSES } from '../domain/types';
import { DuplicateApprovalError, OpenPromotionExistsError } from './errors';
import {
  ApprovalRow,
  ComponentRow,
  DriftEventRow,
  PromotionEventRow,
  PromotionLockRow,
  PromotionRow,
  TagHistoryRow,
  TagStateRow,
  VersionRow,
  toApproval,
  toComponent,
  toDate,
  toDriftEvent,
  toPromotion,
  toPromotionEvent,
  toTagState,
  toVersion,
} from './rows';
import {
  Approval,
  ApprovalWait,
  ClaimOptions,
  CompletionStatus,
  ComponentFilter,
  CurrentVersion,
  DriftEvent,
  FirstSeen,
  ImageVersion,
  NewApproval,
  NewPromotion,
  Promotion,
  PromotionEvent,
  PromotionPage,
  PromotionQuery,
  PromotionTransition,
  TagSnapshot,
  TagSnapshotResult,
  TagState,
  TrackedComponent,
  TrackedComponentInput,
} from './types';

const migrationsDir = resolvePackagePath(
  '@image-promotion/plugin-image-promotion-backend',
  'migrations',
);

/** Keeps statements well below SQLite's and PostgreSQL's bind-variable limits. */
const CHUNK_SIZE = 200;
/** How many claimable promotions one claim attempt looks at. */
const CLAIM_CANDIDATES = 25;
/**
 * How many times a promotion is started before it is given up. A replica that
 * dies mid-copy leaves its lease to expire and another one finishes the job;
 * a job that takes every replica down with it (say, one too big for memory)
 * must not do so forever.
 */
export const MAX_PROMOTION_ATTEMPTS = 5;
const EXECUTING_STATUSES: PromotionStatus[] = ['copying', 'verifying'];

/** Lost a race against a lock being released; creating again will succeed or see the new holder. */
class LockReleasedRace extends Error {}

function chunks<T>(items: T[], size = CHUNK_SIZE): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    result.push(items.slice(i, i + size));
  }
  return result;
}

function isTerminal(status: PromotionStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

function sameTags(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

function encodeCursor(row: { created_at: Date; id: string }): string {
  return Buffer.from(
    JSON.stringify({ c: row.created_at.getTime(), i: row.id }),
  ).toString('base64url');
}

/** 9999-12-31T23:59:59.999Z: no promotion is created later than this. */
const LATEST_CURSOR_TIME = 253402300799999;
/** Promotion ids are UUIDs. */
const CURSOR_ID =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const parsed: unknown = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    );
    if (
      parsed &&
      typeof parsed === 'object' &&
      'c' in parsed &&
      'i' in parsed &&
      typeof parsed.c === 'number' &&
      Number.isInteger(parsed.c) &&
      // Within what every database stores (PostgreSQL refuses years past
      // 294276 and before 4713 BC; a NUL in the id would reach its text).
      parsed.c >= 0 &&
      parsed.c <= LATEST_CURSOR_TIME &&
      typeof parsed.i === 'string' &&
      CURSOR_ID.test(parsed.i)
    ) {
      return { createdAt: new Date(parsed.c), id: parsed.i };
    }
  } catch {
    // fall through to the InputError below
  }
  throw new InputError(
    'Invalid cursor; pass the nextCursor of a previous page',
  );
}

/**
 * All persistence of the image promotion backend: tracked components,
 * versions and tags per environment, drift, promotions, their history,
 * approvals and the execution queue. Works identically on SQLite and
 * PostgreSQL, including with several replicas on one PostgreSQL.
 */
export class ImagePromotionStore {
  /** Connects to the plugin database and runs the migrations unless told not to. */
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<ImagePromotionStore> {
    const client = await options.database.getClient();
    if (!options.skipMigrations && !options.database.migrations?.skip) {
      await client.migrate.latest({ directory: migrationsDir });
    }
    return new ImagePromotionStore(client);
  }

  private readonly db: Knex;

  private constructor(db: Knex) {
    this.db = db;
  }

  private get isPostgres(): boolean {
    return /^(pg|postgres)/.test(String(this.db.client.config.client));
  }

  /**
   * The tags of `states` that a promotion recorded and the listing does not
   * show (yet): `in-flight` when the promotion had not finished before the
   * listing started, `abandoned` when it finished without succeeding.
   */
  private async unfinishedMoves(
    tx: Knex.Transaction,
    states: TagStateRow[],
    observed: Map<string, string>,
    observedAt: Date,
  ): Promise<Map<string, 'in-flight' | 'abandoned'>> {
    const recorded = states.filter(
      s => s.promotion_id && observed.get(s.tag) !== s.digest,
    );
    const promotions = new Map<
      string,
      Pick<PromotionRow, 'status' | 'finished_at'>
    >();
    for (const chunk of chunks([
      ...new Set(recorded.map(s => s.promotion_id!)),
    ])) {
      const rows = await tx<PromotionRow>('promotions')
        .whereIn('id', chunk)
        .select('id', 'status', 'finished_at');
      for (const row of rows) promotions.set(row.id, row);
    }
    const moves = new Map<string, 'in-flight' | 'abandoned'>();
    for (const state of recorded) {
      const promotion = promotions.get(state.promotion_id!);
      if (!promotion) continue;
      if (
        !promotion.finished_at ||
        toDate(promotion.finished_at).getTime() > observedAt.getTime()
      ) {
        moves.set(state.tag, 'in-flight');
      } else if (promotion.status !== 'succeeded') {
        moves.set(state.tag, 'abandoned');
      }
    }
    return moves;
  }

  /**
   * Serialises writers of one environment's versions and tags (a scheduled
   * refresh, a webhook refresh and a finishing promotion may overlap) for the
   * rest of the transaction. SQLite already serialises all writers.
   */
  private async lockEnvironment(
    tx: Knex.Transaction,
    entityRef: string,
    environment: string,
  ): Promise<void> {
    if (this.isPostgres) {
      await tx.raw('select pg_advisory_xact_lock(hashtext(?))', [
        `image-promotion:${entityRef}:${environment}`,
      ]);
    }
  }

  // --- tracked components -------------------------------------------------

  /** Inserts or updates the given components. */
  async upsertComponents(components: TrackedComponentInput[]): Promise<void> {
    const now = new Date();
    const rows: ComponentRow[] = components.map(c => ({
      entity_ref: c.entityRef,
      image: c.image,
      pipeline: c.pipeline,
      tag_pattern: c.tagPattern ?? null,
      title: c.title ?? null,
      owner: c.owner ?? null,
      system: c.system ?? null,
      lifecycle: c.lifecycle ?? null,
      updated_at: c.updatedAt ?? now,
    }));
    await this.db.transaction(async tx => {
      for (const chunk of chunks(rows, 50)) {
        await tx<ComponentRow>('tracked_components')
          .insert(chunk)
          .onConflict('entity_ref')
          .merge();
      }
    });
  }

  /**
   * Stops tracking every component not in `entityRefs`. Versions, drift and
   * promotions are kept: they are history, and come back if the component does.
   *
   * @returns the number of components removed
   */
  async removeComponentsNotIn(entityRefs: string[]): Promise<number> {
    const keep = new Set(entityRefs);
    const existing = await this.db<ComponentRow>('tracked_components').pluck(
      'entity_ref',
    );
    const gone = existing.filter(ref => !keep.has(ref));
    for (const chunk of chunks(gone)) {
      await this.db<ComponentRow>('tracked_components')
        .whereIn('entity_ref', chunk)
        .delete();
    }
    return gone.length;
  }

  /** Lists tracked components, ordered by entity ref. */
  async listComponents(filter?: ComponentFilter): Promise<TrackedComponent[]> {
    const query =
      this.db<ComponentRow>('tracked_components').orderBy('entity_ref');
    if (filter?.entityRefs) {
      query.whereIn('entity_ref', filter.entityRefs);
    }
    if (filter?.owner) {
      query.whereIn('owner', filter.owner);
    }
    if (filter?.system) {
      query.whereIn('system', filter.system);
    }
    if (filter?.lifecycle) {
      query.whereIn('lifecycle', filter.lifecycle);
    }
    if (filter?.pipeline) {
      query.whereIn('pipeline', filter.pipeline);
    }
    return (await query).map(toComponent);
  }

  /** Returns one tracked component. */
  async getComponent(entityRef: string): Promise<TrackedComponent | undefined> {
    const row = await this.db<ComponentRow>('tracked_components')
      .where({ entity_ref: entityRef })
      .first();
    return row ? toComponent(row) : undefined;
  }

  // --- tracking -----------------------------------------------------------

  /**
   * Records what tracking just listed for one environment, in one
   * transaction: new versions, current tag arrays, last seen, tag state, and
   * a drift event for every recorded tag that now points elsewhere. Tags
   * recorded after `observedAt` (by a promotion that raced the listing) are
   * left alone, so a slow listing never reports a promotion as drift.
   */
  async applyTagSnapshot(snapshot: TagSnapshot): Promise<TagSnapshotResult> {
    const now = snapshot.now ?? new Date();
    const observedAt = snapshot.observedAt ?? now;
    const key = {
      entity_ref: snapshot.entityRef,
      environment: snapshot.environment,
    };
    const observed = new Map<string, string>();
    for (const { tag, digest } of snapshot.observed) {
      observed.set(tag, digest);
    }

    return this.db.transaction(async tx => {
      await this.lockEnvironment(tx, snapshot.entityRef, snapshot.environment);
      const states = await tx<TagStateRow>('tag_states').where(key);
      const stateByTag = new Map(states.map(s => [s.tag, s]));
      const frozenTags = new Set(
        states
          .filter(s => toDate(s.since).getTime() > observedAt.getTime())
          .map(s => s.tag),
      );
      // A promotion records its tags before it pushes, so a listing made
      // before the promotion finished may still show the old digest, or not
      // show a new tag yet: that is the move in flight, neither drift nor a
      // deleted tag. A promotion that failed or was cancelled never moved
      // the tag: the state follows the registry again, without a drift event.
      const moves = await this.unfinishedMoves(
        tx,
        states.filter(s => !frozenTags.has(s.tag)),
        observed,
        observedAt,
      );
      for (const [tag, move] of moves) {
        if (move === 'in-flight') frozenTags.add(tag);
      }

      const driftEvents: DriftEvent[] = [];
      const newStates: TagStateRow[] = [];
      const history: TagHistoryRow[] = [];
      for (const [tag, digest] of observed) {
        if (frozenTags.has(tag)) {
          continue;
        }
        const previous = stateByTag.get(tag);
        if (!previous) {
          newStates.push({
            ...key,
            tag,
            digest,
            since: now,
            promotion_id: null,
          });
          history.push({
            ...key,
            tag,
            digest,
            cause: 'discovered',
            promotion_id: null,
            at: now,
          });
        } else if (
          previous.digest !== digest &&
          (snapshot.movableTags?.includes(tag) ||
            moves.get(tag) === 'abandoned')
        ) {
          // A tag CI is expected to move (the first environment's current
          // tag), or one a failed promotion recorded but never moved: record
          // what the registry holds, it is not drift.
          await tx<TagStateRow>('tag_states')
            .where({ ...key, tag })
            .update({ digest, since: now, promotion_id: null });
          history.push({
            ...key,
            tag,
            digest,
            cause: 'discovered',
            promotion_id: null,
            at: now,
          });
        } else if (previous.digest !== digest) {
          const event: DriftEventRow = {
            id: randomUUID(),
            ...key,
            tag,
            previous_digest: previous.digest,
            new_digest: digest,
            detected_at: now,
            acknowledged_at: null,
            acknowledged_by: null,
          };
          await tx<DriftEventRow>('drift_events').insert(event);
          driftEvents.push(toDriftEvent(event));
          await tx<TagStateRow>('tag_states')
            .where({ ...key, tag })
            .update({ digest, since: now, promotion_id: null });
          history.push({
            ...key,
            tag,
            digest,
            cause: 'drift',
            promotion_id: null,
            at: now,
          });
        }
      }
      for (const chunk of chunks(newStates, 30)) {
        await tx<TagStateRow>('tag_states').insert(chunk);
      }
      for (const chunk of chunks(history, 30)) {
        await tx<TagHistoryRow>('tag_history').insert(chunk);
      }
      const removedTags = states
        .filter(s => !observed.has(s.tag) && !frozenTags.has(s.tag))
        .map(s => s.tag);
      for (const chunk of chunks(removedTags)) {
        await tx<TagStateRow>('tag_states')
          .where(key)
          .whereIn('tag', chunk)
          .delete();
      }

      // The tags of each version follow the tag state just written.
      const finalStates = new Map<string, string>();
      for (const s of states) {
        finalStates.set(s.tag, s.digest);
      }
      for (const tag of removedTags) {
        finalStates.delete(tag);
      }
      for (const [tag, digest] of observed) {
        if (!frozenTags.has(tag)) {
          finalStates.set(tag, digest);
        }
      }
      const tagsByDigest = new Map<string, string[]>();
      for (const [tag, digest] of finalStates) {
        tagsByDigest.set(digest, [...(tagsByDigest.get(digest) ?? []), tag]);
      }
      const observedDigests = new Set(observed.values());

      const versions = await tx<VersionRow>('image_versions').where(key);
      const known = new Map(versions.map(v => [v.digest, v]));
      const newDigests = [...observedDigests].filter(d => !known.has(d));
      const newRows: VersionRow[] = newDigests.map(digest => ({
        ...key,
        digest,
        tags: JSON.stringify((tagsByDigest.get(digest) ?? []).sort()),
        first_seen: now,
        last_seen: now,
        origin: 'discovered',
        promotion_id: null,
      }));
      for (const chunk of chunks(newRows, 25)) {
        await tx<VersionRow>('image_versions').insert(chunk);
      }

      const seenUnchanged: string[] = [];
      for (const version of versions) {
        const tags = (tagsByDigest.get(version.digest) ?? []).sort();
        const seen = observedDigests.has(version.digest);
        if (sameTags(tags, toVersion(version).tags)) {
          if (seen) {
            seenUnchanged.push(version.digest);
          }
          continue;
        }
        await tx<VersionRow>('image_versions')
          .where({ ...key, digest: version.digest })
          .update(
            seen
              ? { tags: JSON.stringify(tags), last_seen: now }
              : { tags: JSON.stringify(tags) },
          );
      }
      for (const chunk of chunks(seenUnchanged)) {
        await tx<VersionRow>('image_versions')
          .where(key)
          .whereIn('digest', chunk)
          .update({ last_seen: now });
      }

      return { newDigests, driftEvents };
    });
  }

  /**
   * Records that a promotion moved `tag` to `digest`, before tracking sees
   * it, so tracking finds no difference and reports no drift. Also records
   * the version in the environment.
   */
  async recordPromotedTag(input: {
    entityRef: string;
    environment: string;
    tag: string;
    digest: string;
    promotionId: string;
    now?: Date;
  }): Promise<void> {
    const now = input.now ?? new Date();
    const key = { entity_ref: input.entityRef, environment: input.environment };
    await this.db.transaction(async tx => {
      await this.lockEnvironment(tx, input.entityRef, input.environment);
      const previous = await tx<TagStateRow>('tag_states')
        .where({ ...key, tag: input.tag })
        .first();
      if (previous?.digest === input.digest) {
        await this.upsertPromotedVersion(tx, { ...input, now });
        return;
      }
      if (previous) {
        await tx<TagStateRow>('tag_states')
          .where({ ...key, tag: input.tag })
          .update({
            digest: input.digest,
            since: now,
            promotion_id: input.promotionId,
          });
        const old = await tx<VersionRow>('image_versions')
          .where({ ...key, digest: previous.digest })
          .first();
        if (old) {
          const tags = toVersion(old).tags.filter(t => t !== input.tag);
          await tx<VersionRow>('image_versions')
            .where({ ...key, digest: previous.digest })
            .update({ tags: JSON.stringify(tags) });
        }
      } else {
        await tx<TagStateRow>('tag_states').insert({
          ...key,
          tag: input.tag,
          digest: input.digest,
          since: now,
          promotion_id: input.promotionId,
        });
      }
      await tx<TagHistoryRow>('tag_history').insert({
        ...key,
        tag: input.tag,
        digest: input.digest,
        cause: 'promotion',
        promotion_id: input.promotionId,
        at: now,
      });
      await this.upsertPromotedVersion(tx, { ...input, now });
    });
  }

  /** Records that a promotion put `digest` into an environment (without a tag of its own). */
  async recordPromotedVersion(input: {
    entityRef: string;
    environment: string;
    digest: string;
    promotionId: string;
    now?: Date;
  }): Promise<void> {
    const now = input.now ?? new Date();
    await this.db.transaction(async tx => {
      await this.lockEnvironment(tx, input.entityRef, input.environment);
      await this.upsertPromotedVersion(tx, { ...input, now });
    });
  }

  private async upsertPromotedVersion(
    tx: Knex.Transaction,
    input: {
      entityRef: string;
      environment: string;
      digest: string;
      promotionId: string;
      tag?: string;
      now: Date;
    },
  ): Promise<void> {
    const where = {
      entity_ref: input.entityRef,
      environment: input.environment,
      digest: input.digest,
    };
    const existing = await tx<VersionRow>('image_versions')
      .where(where)
      .first();
    if (!existing) {
      await tx<VersionRow>('image_versions').insert({
        ...where,
        tags: JSON.stringify(input.tag ? [input.tag] : []),
        first_seen: input.now,
        last_seen: input.now,
        origin: 'promotion',
        promotion_id: input.promotionId,
      });
      return;
    }
    const tags = toVersion(existing).tags;
    if (input.tag && !tags.includes(input.tag)) {
      tags.push(input.tag);
      tags.sort();
    }
    // A version tracking saw first but a promotion put there is still the
    // promotion's; the first promotion that brought it keeps the credit.
    await tx<VersionRow>('image_versions')
      .where(where)
      .update({
        tags: JSON.stringify(tags),
        last_seen: input.now,
        ...(existing.origin === 'discovered'
          ? { origin: 'promotion', promotion_id: input.promotionId }
          : {}),
      });
  }

  /** Lists the versions known in an environment, newest first. */
  async listVersions(
    entityRef: string,
    environment: string,
  ): Promise<ImageVersion[]> {
    const rows = await this.db<VersionRow>('image_versions')
      .where({ entity_ref: entityRef, environment })
      .orderBy([
        { column: 'first_seen', order: 'desc' },
        { column: 'digest', order: 'asc' },
      ]);
    return rows.map(toVersion);
  }

  /** Returns one version. */
  async getVersion(
    entityRef: string,
    environment: string,
    digest: string,
  ): Promise<ImageVersion | undefined> {
    const row = await this.db<VersionRow>('image_versions')
      .where({ entity_ref: entityRef, environment, digest })
      .first();
    return row ? toVersion(row) : undefined;
  }

  /** Lists what each tag of an environment is believed to point to. */
  async listTagStates(
    entityRef: string,
    environment: string,
  ): Promise<TagState[]> {
    const rows = await this.db<TagStateRow>('tag_states')
      .where({ entity_ref: entityRef, environment })
      .orderBy('tag');
    return rows.map(toTagState);
  }

  /**
   * The digest an environment is on now: the `currentTag`'s digest when
   * configured and recorded, else the latest succeeded promotion into it,
   * else the newest version (preferring versions that still carry a tag).
   */
  async getCurrent(
    entityRef: string,
    environment: string,
    options?: { currentTag?: string },
  ): Promise<CurrentVersion | undefined> {
    if (options?.currentTag) {
      const state = await this.db<TagStateRow>('tag_states')
        .where({ entity_ref: entityRef, environment, tag: options.currentTag })
        .first();
      if (state) {
        const promotion = state.promotion_id
          ? await this.db<PromotionRow>('promotions')
              .where({ id: state.promotion_id })
              .first('requested_by')
          : undefined;
        return {
          digest: state.digest,
          tag: state.tag,
          since: toDate(state.since),
          by: promotion?.requested_by ?? null,
          promotionId: state.promotion_id,
        };
      }
    }

    const promotion = await this.db<PromotionRow>('promotions')
      .where({
        entity_ref: entityRef,
        target_environment: environment,
        status: 'succeeded',
      })
      .orderBy([
        { column: 'finished_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .first();
    if (promotion) {
      return {
        digest: promotion.digest,
        tag: promotion.target_tag,
        since: toDate(promotion.finished_at ?? promotion.updated_at),
        by: promotion.requested_by,
        promotionId: promotion.id,
      };
    }

    const versions = await this.listVersions(entityRef, environment);
    const newest = versions.find(v => v.tags.length > 0) ?? versions[0];
    if (!newest) {
      return undefined;
    }
    return {
      digest: newest.digest,
      tag: newest.tags[0] ?? null,
      since: newest.firstSeen,
      by: null,
      promotionId: null,
    };
  }

  /**
   * Whether `digest` was ever current in the environment: a succeeded
   * promotion into it had this digest, or its `currentTag` (pass the
   * environment's, when configured) pointed at it at some point.
   */
  async wasCurrentBefore(
    entityRef: string,
    environment: string,
    digest: string,
    options?: { currentTag?: string },
  ): Promise<boolean> {
    const promotion = await this.db<PromotionRow>('promotions')
      .where({
        entity_ref: entityRef,
        target_environment: environment,
        digest,
        status: 'succeeded',
      })
      .first('id');
    if (promotion) {
      return true;
    }
    if (!options?.currentTag) {
      return false;
    }
    const history = await this.db<TagHistoryRow>('tag_history')
      .where({
        entity_ref: entityRef,
        environment,
        tag: options.currentTag,
        digest,
      })
      .first('id');
    return Boolean(history);
  }

  // --- drift --------------------------------------------------------------

  /** Lists drift events, newest first; unacknowledged ones only unless asked. */
  async listDriftEvents(filter?: {
    entityRef?: string;
    environment?: string;
    includeAcknowledged?: boolean;
  }): Promise<DriftEvent[]> {
    const query = this.db<DriftEventRow>('drift_events').orderBy([
      { column: 'detected_at', order: 'desc' },
      { column: 'id', order: 'asc' },
    ]);
    if (filter?.entityRef) {
      query.where('entity_ref', filter.entityRef);
    }
    if (filter?.environment) {
      query.where('environment', filter.environment);
    }
    if (!filter?.includeAcknowledged) {
      query.whereNull('acknowledged_at');
    }
    return (await query).map(toDriftEvent);
  }

  /** Returns one drift event. */
  async getDriftEvent(id: string): Promise<DriftEvent | undefined> {
    const row = await this.db<DriftEventRow>('drift_events')
      .where({ id })
      .first();
    return row ? toDriftEvent(row) : undefined;
  }

  /**
   * Marks a drift event as seen by `user`.
   *
   * @returns false when it does not exist or was already acknowledged
   */
  async acknowledgeDrift(
    id: string,
    user: string,
    now: Date = new Date(),
  ): Promise<boolean> {
    const updated = await this.db<DriftEventRow>('drift_events')
      .where({ id })
      .whereNull('acknowledged_at')
      .update({ acknowledged_at: now, acknowledged_by: user });
    return updated === 1;
  }

  // --- promotions ---------------------------------------------------------

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
      await this.finishTransition(tx, {
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

  private async finishTransition(
    tx: Knex.Transaction,
    event: {
      id: string;
      from: PromotionStatus;
      to: PromotionStatus;
      actor: string;
      message: string | null;
      now: Date;
    },
  ): Promise<void> {
    await tx<PromotionEventRow>('promotion_events').insert({
      promotion_id: event.id,
      from_status: event.from,
      to_status: event.to,
      actor: event.actor,
      message: event.message,
      at: event.now,
    });
    if (isTerminal(event.to)) {
      await tx<PromotionLockRow>('promotion_locks')
        .where({ promotion_id: event.id })
        .delete();
    }
  }

  /** Lists a promotion's status changes, oldest first. */
  async listPromotionEvents(promotionId: string): Promise<PromotionEvent[]> {
    const rows = await this.db<PromotionEventRow>('promotion_events')
      .where({ promotion_id: promotionId })
      .orderBy('id');
    return rows.map(toPromotionEvent);
  }

  // --- approvals ----------------------------------------------------------

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

  // --- execution queue ----------------------------------------------------

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
        await this.giveUp(candidate, options.owner, now);
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
        await this.finishTransition(tx, {
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
        return this.getPromotion(candidate.id);
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
  ): Promise<void> {
    const reason = `Gave up after ${
      candidate.attempts
    } attempts: each time, the replica running it (last ${
      candidate.lease_owner ?? 'unknown'
    }) stopped before it finished. Check the backend logs for a crash or a restart during the copy, then request the promotion again.`;
    await this.db.transaction(async tx => {
      const updated = await this.stillClaimable(tx, candidate, now).update({
        status: 'failed',
        failure_reason: reason,
        lease_owner: null,
        lease_expires_at: null,
        finished_at: now,
        updated_at: now,
      });
      if (updated === 1) {
        await this.finishTransition(tx, {
          id: candidate.id,
          from: candidate.status,
          to: 'failed',
          actor,
          message: reason,
          now,
        });
      }
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
      await this.finishTransition(tx, {
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
      await this.finishTransition(tx, {
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

  // --- metrics ------------------------------------------------------------

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

  /** Returns when each of `digests` was first seen in `environment` (for lead time). */
  async listFirstSeen(options: {
    environment: string;
    digests: string[];
    entityRef?: string;
  }): Promise<FirstSeen[]> {
    const result: FirstSeen[] = [];
    for (const chunk of chunks([...new Set(options.digests)])) {
      const query = this.db<VersionRow>('image_versions')
        .where('environment', options.environment)
        .whereIn('digest', chunk)
        .select('entity_ref', 'environment', 'digest', 'first_seen');
      if (options.entityRef) {
        query.where('entity_ref', options.entityRef);
      }
      for (const row of await query) {
        result.push({
          entityRef: row.entity_ref,
          environment: row.environment,
          digest: row.digest,
          firstSeen: toDate(row.first_seen),
        });
      }
    }
    return result;
  }
}
