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
import {
  DriftEventRow,
  PromotionRow,
  TagHistoryRow,
  TagStateRow,
  VersionRow,
  toDate,
  toDriftEvent,
  toVersion,
} from './rows';
import { chunks, isPostgres } from './storeUtils';
import type { TagSnapshot, TagSnapshotResult } from './types';

/*
 * How tracking's listings are written: a batch of environments in one
 * transaction with a fixed number of statements (lock, three reads, one
 * multi-row write per table), plus one per tag that moved, so a run with a
 * thousand changed environments commits a handful of times.
 */

type Key = { entity_ref: string; environment: string };

const keyOf = (entityRef: string, environment: string) =>
  `${entityRef}\u0000${environment}`;

function sameTags(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** A version row to update: new tags, or seen now, or both. */
interface VersionUpdate extends Key {
  digest: string;
  tags?: string;
  lastSeen?: Date;
}

/** What one snapshot writes, worked out from what the batch read. */
interface Plan {
  result: TagSnapshotResult;
  newStates: TagStateRow[];
  /** Tags that now point elsewhere (moved by CI, a failed promotion, or drift). */
  movedStates: Array<{ tag: string; digest: string; since: Date }>;
  driftRows: DriftEventRow[];
  history: TagHistoryRow[];
  removedTags: string[];
  newVersions: VersionRow[];
  versionUpdates: VersionUpdate[];
}

/** Rows of `table` for the keys of `snapshots`, by key. */
async function readByKey<Row extends Key>(
  tx: Knex.Transaction,
  table: string,
  snapshots: readonly TagSnapshot[],
): Promise<Map<string, Row[]>> {
  const wanted = new Set(snapshots.map(s => keyOf(s.entityRef, s.environment)));
  const environments = [...new Set(snapshots.map(s => s.environment))];
  const byKey = new Map<string, Row[]>();
  for (const refs of chunks([...new Set(snapshots.map(s => s.entityRef))])) {
    const rows: Row[] = await tx(table)
      .whereIn('entity_ref', refs)
      .whereIn('environment', environments);
    for (const row of rows) {
      const key = keyOf(row.entity_ref, row.environment);
      if (!wanted.has(key)) continue;
      const list = byKey.get(key);
      if (list) list.push(row);
      else byKey.set(key, [row]);
    }
  }
  return byKey;
}

/**
 * Serialises writers of the batch's environments (a scheduled refresh, a
 * webhook refresh and a finishing promotion may overlap) for the rest of the
 * transaction, taking the locks in one fixed order. SQLite already
 * serialises all writers.
 */
async function lockEnvironments(
  db: Knex,
  tx: Knex.Transaction,
  snapshots: readonly TagSnapshot[],
): Promise<void> {
  if (!isPostgres(db)) return;
  const keys = [
    ...new Set(
      snapshots.map(s => `image-promotion:${s.entityRef}:${s.environment}`),
    ),
  ].sort();
  for (const chunk of chunks(keys)) {
    await tx.raw(
      `select pg_advisory_xact_lock(hashtext(k)) from (select unnest(array[${chunk
        .map(() => '?')
        .join(', ')}]::text[]) as k order by 1) as locks`,
      chunk,
    );
  }
}

/** The promotions that recorded tags of the batch, by id. */
async function recordingPromotions(
  tx: Knex.Transaction,
  states: Iterable<TagStateRow[]>,
): Promise<Map<string, Pick<PromotionRow, 'status' | 'finished_at'>>> {
  const ids = new Set<string>();
  for (const list of states) {
    for (const s of list) if (s.promotion_id) ids.add(s.promotion_id);
  }
  const promotions = new Map<
    string,
    Pick<PromotionRow, 'status' | 'finished_at'>
  >();
  for (const chunk of chunks([...ids])) {
    const rows = await tx<PromotionRow>('promotions')
      .whereIn('id', chunk)
      .select('id', 'status', 'finished_at');
    for (const row of rows) promotions.set(row.id, row);
  }
  return promotions;
}

/** Works out what one snapshot writes, from the rows the batch read. */
function plan(
  snapshot: TagSnapshot,
  states: TagStateRow[],
  versions: VersionRow[],
  promotions: Map<string, Pick<PromotionRow, 'status' | 'finished_at'>>,
): Plan {
  const now = snapshot.now ?? new Date();
  const observedAt = snapshot.observedAt ?? now;
  const key: Key = {
    entity_ref: snapshot.entityRef,
    environment: snapshot.environment,
  };
  const observed = new Map<string, string>();
  for (const { tag, digest } of snapshot.observed) {
    observed.set(tag, digest);
  }
  const stateByTag = new Map(states.map(s => [s.tag, s]));
  const frozenTags = new Set(
    states
      .filter(s => toDate(s.since).getTime() > observedAt.getTime())
      .map(s => s.tag),
  );
  // A promotion records its tags before it pushes, so a listing made before
  // the promotion finished may still show the old digest, or not show a new
  // tag yet: that is the move in flight, neither drift nor a deleted tag. A
  // promotion that failed or was cancelled never moved the tag: the state
  // follows the registry again, without a drift event.
  const abandoned = new Set<string>();
  for (const state of states) {
    if (frozenTags.has(state.tag) || !state.promotion_id) continue;
    if (observed.get(state.tag) === state.digest) continue;
    const promotion = promotions.get(state.promotion_id);
    if (!promotion) continue;
    if (
      !promotion.finished_at ||
      toDate(promotion.finished_at).getTime() > observedAt.getTime()
    ) {
      frozenTags.add(state.tag);
    } else if (promotion.status !== 'succeeded') {
      abandoned.add(state.tag);
    }
  }

  const out: Plan = {
    result: { newDigests: [], driftEvents: [] },
    newStates: [],
    movedStates: [],
    driftRows: [],
    history: [],
    removedTags: [],
    newVersions: [],
    versionUpdates: [],
  };
  /** A tag's digest as tracking found it in the registry (not a promotion's move). */
  const discovered = (tag: string, digest: string): TagHistoryRow => ({
    ...key,
    tag,
    digest,
    cause: 'discovered',
    promotion_id: null,
    at: now,
  });
  for (const [tag, digest] of observed) {
    if (frozenTags.has(tag)) continue;
    const previous = stateByTag.get(tag);
    if (!previous) {
      out.newStates.push({
        ...key,
        tag,
        digest,
        since: now,
        promotion_id: null,
      });
      out.history.push(discovered(tag, digest));
    } else if (previous.digest === digest) {
      continue;
    } else if (snapshot.movableTags?.includes(tag) || abandoned.has(tag)) {
      // A tag CI is expected to move (the first environment's current tag),
      // or one a failed promotion recorded but never moved: record what the
      // registry holds, it is not drift.
      out.movedStates.push({ tag, digest, since: now });
      out.history.push(discovered(tag, digest));
    } else {
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
      out.driftRows.push(event);
      out.result.driftEvents.push(toDriftEvent(event));
      out.movedStates.push({ tag, digest, since: now });
      out.history.push({
        ...key,
        tag,
        digest,
        cause: 'drift',
        at: now,
        promotion_id: null,
      });
    }
  }
  out.removedTags = states
    .filter(s => !observed.has(s.tag) && !frozenTags.has(s.tag))
    .map(s => s.tag);

  // The tags of each version follow the tag state just written.
  const finalStates = new Map<string, string>();
  for (const s of states) finalStates.set(s.tag, s.digest);
  for (const tag of out.removedTags) finalStates.delete(tag);
  for (const [tag, digest] of observed) {
    if (!frozenTags.has(tag)) finalStates.set(tag, digest);
  }
  const tagsByDigest = new Map<string, string[]>();
  for (const [tag, digest] of finalStates) {
    tagsByDigest.set(digest, [...(tagsByDigest.get(digest) ?? []), tag]);
  }
  const observedDigests = new Set(observed.values());
  const known = new Set(versions.map(v => v.digest));
  out.result.newDigests = [...observedDigests].filter(d => !known.has(d));
  out.newVersions = out.result.newDigests.map(digest => ({
    ...key,
    digest,
    tags: JSON.stringify((tagsByDigest.get(digest) ?? []).sort()),
    first_seen: now,
    last_seen: now,
    origin: 'discovered',
    promotion_id: null,
  }));
  for (const version of versions) {
    const tags = (tagsByDigest.get(version.digest) ?? []).sort();
    const seen = observedDigests.has(version.digest);
    const changed = !sameTags(tags, toVersion(version).tags);
    if (!changed && !seen) continue;
    out.versionUpdates.push({
      ...key,
      digest: version.digest,
      ...(changed ? { tags: JSON.stringify(tags) } : {}),
      ...(seen ? { lastSeen: now } : {}),
    });
  }
  return out;
}

/** Updates version rows: one statement per chunk on PostgreSQL, per environment and kind elsewhere. */
async function updateVersions(
  db: Knex,
  tx: Knex.Transaction,
  updates: VersionUpdate[],
): Promise<void> {
  if (isPostgres(db)) {
    for (const chunk of chunks(updates, 100)) {
      await tx.raw(
        `update image_versions as v
            set tags = coalesce(x.tags, v.tags),
                last_seen = coalesce(x.last_seen, v.last_seen)
           from (values ${chunk
             .map(() => '(?::text, ?::text, ?::text, ?::text, ?::timestamptz)')
             .join(
               ', ',
             )}) as x(entity_ref, environment, digest, tags, last_seen)
          where v.entity_ref = x.entity_ref
            and v.environment = x.environment
            and v.digest = x.digest`,
        chunk.flatMap(u => [
          u.entity_ref,
          u.environment,
          u.digest,
          u.tags ?? null,
          u.lastSeen ?? null,
        ]),
      );
    }
    return;
  }
  // Versions only seen again: one statement per time (a run's batch has
  // one or two), versions whose tags changed one each.
  const seenOnly = new Map<number, VersionUpdate[]>();
  for (const u of updates) {
    if (u.tags === undefined && u.lastSeen) {
      const group = seenOnly.get(u.lastSeen.getTime()) ?? [];
      group.push(u);
      seenOnly.set(u.lastSeen.getTime(), group);
    } else if (u.tags !== undefined) {
      await tx<VersionRow>('image_versions')
        .where({
          entity_ref: u.entity_ref,
          environment: u.environment,
          digest: u.digest,
        })
        .update(
          u.lastSeen
            ? { tags: u.tags, last_seen: u.lastSeen }
            : { tags: u.tags },
        );
    }
  }
  for (const [at, group] of seenOnly) {
    for (const chunk of chunks(group, 100)) {
      await tx<VersionRow>('image_versions')
        .whereIn(
          ['entity_ref', 'environment', 'digest'],
          chunk.map(u => [u.entity_ref, u.environment, u.digest]),
        )
        .update({ last_seen: new Date(at) });
    }
  }
}

/**
 * Records what tracking listed for a batch of environments, inside `tx`:
 * new versions, current tag arrays, last seen, tag state, and a drift event
 * for every recorded tag that now points elsewhere. Tags recorded after a
 * snapshot's `observedAt` (by a promotion that raced the listing) are left
 * alone, so a slow listing never reports a promotion as drift. Results are
 * in the order of `snapshots`; an environment listed twice is written in
 * turn, the later listing last.
 */
export async function applyTagSnapshotBatch(
  db: Knex,
  tx: Knex.Transaction,
  snapshots: readonly TagSnapshot[],
): Promise<TagSnapshotResult[]> {
  const results = new Array<TagSnapshotResult>(snapshots.length);
  // Rounds of distinct environments: a second listing of one reads what the
  // first wrote.
  let remaining = snapshots.map((snapshot, index) => ({ snapshot, index }));
  await lockEnvironments(db, tx, snapshots);
  while (remaining.length) {
    const seen = new Set<string>();
    const round: typeof remaining = [];
    const later: typeof remaining = [];
    for (const item of remaining) {
      const key = keyOf(item.snapshot.entityRef, item.snapshot.environment);
      (seen.has(key) ? later : round).push(item);
      seen.add(key);
    }
    remaining = later;
    const batch = round.map(r => r.snapshot);
    const states = await readByKey<TagStateRow>(tx, 'tag_states', batch);
    const versions = await readByKey<VersionRow>(tx, 'image_versions', batch);
    const promotions = await recordingPromotions(tx, states.values());
    const plans = round.map(({ snapshot, index }) => {
      const key = keyOf(snapshot.entityRef, snapshot.environment);
      const p = plan(
        snapshot,
        states.get(key) ?? [],
        versions.get(key) ?? [],
        promotions,
      );
      results[index] = p.result;
      return { snapshot, plan: p };
    });
    await writePlans(db, tx, plans);
  }
  return results;
}

/** Inserts `rows` a few at a time: rows × columns stays under SQLite's bind-variable limit. */
async function insertRows<Row extends object>(
  tx: Knex.Transaction,
  table: string,
  rows: Row[],
  perStatement: number,
): Promise<void> {
  for (const chunk of chunks(rows, perStatement)) {
    await tx(table).insert(chunk);
  }
}

async function writePlans(
  db: Knex,
  tx: Knex.Transaction,
  plans: Array<{ snapshot: TagSnapshot; plan: Plan }>,
): Promise<void> {
  const all = <T>(pick: (p: Plan) => T[]) => plans.flatMap(p => pick(p.plan));
  for (const { snapshot, plan: p } of plans) {
    const key = {
      entity_ref: snapshot.entityRef,
      environment: snapshot.environment,
    };
    for (const moved of p.movedStates) {
      await tx<TagStateRow>('tag_states')
        .where({ ...key, tag: moved.tag })
        .update({
          digest: moved.digest,
          since: moved.since,
          promotion_id: null,
        });
    }
    for (const chunk of chunks(p.removedTags)) {
      await tx<TagStateRow>('tag_states')
        .where(key)
        .whereIn('tag', chunk)
        .delete();
    }
  }
  await insertRows<DriftEventRow>(
    tx,
    'drift_events',
    all(p => p.driftRows),
    30,
  );
  await insertRows<TagStateRow>(
    tx,
    'tag_states',
    all(p => p.newStates),
    30,
  );
  await insertRows<TagHistoryRow>(
    tx,
    'tag_history',
    all(p => p.history),
    30,
  );
  await insertRows<VersionRow>(
    tx,
    'image_versions',
    all(p => p.newVersions),
    25,
  );
  await updateVersions(
    db,
    tx,
    all(p => p.versionUpdates),
  );
}
