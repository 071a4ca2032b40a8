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
import { chooseCurrent } from './currentVersion';
import {
  PromotionRow,
  TagHistoryRow,
  TagStateRow,
  VersionRow,
  toDate,
  toPromotion,
  toTagState,
  toVersion,
} from './rows';
import { chunks, isPostgres } from './storeUtils';
import { applyTagSnapshotBatch } from './tagSnapshots';
import type {
  CurrentVersion,
  FirstSeen,
  ImageVersion,
  TagSnapshot,
  TagSnapshotResult,
  TagState,
} from './types';

/** The key of one component's environment in {@link TagStore.listTagStatesOf}. */
export function tagStatesKey(entityRef: string, environment: string): string {
  return `${entityRef}\u0000${environment}`;
}

/**
 * The images of each component's environments: the versions (digests) seen
 * there, what each tag points at and its history. Tracking writes it from
 * registry listings (raising drift events when a tag moved on its own),
 * promotions write the tags they move.
 */
export class TagStore {
  constructor(private readonly db: Knex) {}

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
    if (isPostgres(this.db)) {
      await tx.raw('select pg_advisory_xact_lock(hashtext(?))', [
        `image-promotion:${entityRef}:${environment}`,
      ]);
    }
  }

  /**
   * Records what tracking just listed for one environment, in one
   * transaction: new versions, current tag arrays, last seen, tag state, and
   * a drift event for every recorded tag that now points elsewhere. Tags
   * recorded after `observedAt` (by a promotion that raced the listing) are
   * left alone, so a slow listing never reports a promotion as drift.
   */
  async applyTagSnapshot(snapshot: TagSnapshot): Promise<TagSnapshotResult> {
    const [result] = await this.applyTagSnapshots([snapshot]);
    return result;
  }

  /**
   * {@link TagStore.applyTagSnapshot} for several environments in one
   * transaction, with a fixed number of statements for the batch (plus one
   * per moved tag), results in the input's order. One failing snapshot fails
   * the batch: nothing of it is written.
   */
  async applyTagSnapshots(
    snapshots: readonly TagSnapshot[],
  ): Promise<TagSnapshotResult[]> {
    if (!snapshots.length) return [];
    return this.db.transaction(tx =>
      applyTagSnapshotBatch(this.db, tx, snapshots),
    );
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
   * What each tag of every environment of `entityRefs` (every component
   * when omitted or more than 500) points to, keyed by
   * {@link tagStatesKey}: one statement per 500 components at most.
   */
  async listTagStatesOf(
    entityRefs?: readonly string[],
  ): Promise<Map<string, TagState[]>> {
    const byKey = new Map<string, TagState[]>();
    const add = (rows: TagStateRow[]) => {
      for (const row of rows) {
        const k = tagStatesKey(row.entity_ref, row.environment);
        const list = byKey.get(k);
        if (list) list.push(toTagState(row));
        else byKey.set(k, [toTagState(row)]);
      }
    };
    if (!entityRefs || entityRefs.length > 500) {
      add(await this.db<TagStateRow>('tag_states'));
    } else {
      for (const chunk of chunks([...new Set(entityRefs)])) {
        add(
          await this.db<TagStateRow>('tag_states').whereIn('entity_ref', chunk),
        );
      }
    }
    return byKey;
  }

  /**
   * Marks the tagged versions of unchanged environments as seen at `now`
   * (what applyTagSnapshot does when nothing else changed), a few
   * statements for the whole run.
   */
  async touchTaggedVersions(
    seen: ReadonlyArray<{ entityRef: string; environment: string }>,
    now: Date = new Date(),
  ): Promise<void> {
    const byEnvironment = new Map<string, string[]>();
    for (const { entityRef, environment } of seen) {
      const refs = byEnvironment.get(environment) ?? [];
      refs.push(entityRef);
      byEnvironment.set(environment, refs);
    }
    for (const [environment, refs] of byEnvironment) {
      for (const chunk of chunks(refs)) {
        await this.db<VersionRow>('image_versions')
          .where('environment', environment)
          .whereIn('entity_ref', chunk)
          .whereNot('tags', '[]')
          .update({ last_seen: now });
      }
    }
  }

  /**
   * The digest an environment is on now, by the rule of {@link chooseCurrent}
   * (the same the overview and status read in bulk): the `currentTag`'s
   * digest when configured and recorded, else the latest succeeded promotion
   * into it, else the newest version (preferring versions that still carry a
   * tag).
   */
  async getCurrent(
    entityRef: string,
    environment: string,
    options?: { currentTag?: string },
  ): Promise<CurrentVersion | undefined> {
    const [tagState, succeeded, versions] = await Promise.all([
      options?.currentTag
        ? this.db<TagStateRow>('tag_states as t')
            .leftJoin('promotions as p', 'p.id', 't.promotion_id')
            .where({
              't.entity_ref': entityRef,
              't.environment': environment,
              't.tag': options.currentTag,
            })
            .first('t.*', 'p.requested_by')
        : undefined,
      this.db<PromotionRow>('promotions')
        .where({
          entity_ref: entityRef,
          target_environment: environment,
          status: 'succeeded',
        })
        .orderBy([
          { column: 'finished_at', order: 'desc' },
          { column: 'id', order: 'desc' },
        ])
        .first(),
      this.listVersions(entityRef, environment),
    ]);
    const state = tagState as
      | (TagStateRow & { requested_by: string | null })
      | undefined;
    return chooseCurrent({
      tagState: state && {
        digest: state.digest,
        tag: state.tag,
        since: toDate(state.since),
        promotionId: state.promotion_id,
        requestedBy: state.promotion_id ? state.requested_by ?? null : null,
      },
      succeeded: succeeded ? toPromotion(succeeded) : undefined,
      versions,
    });
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
