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

import { createHash } from 'node:crypto';
import type { Entity } from '@backstage/catalog-model';
import type { Knex } from 'knex';
import type { ImagePromotionStores } from '../database';
import { mapWithConcurrency } from '../tracking/concurrency';

// A large generated catalog written through the stores' own methods (the
// same writes tracking and promotions make), for the scale test and the API
// benchmark. No registry is involved: the read endpoints only read the
// database.

const DAY_MS = 24 * 60 * 60 * 1000;

/** Owners the generated components are spread over (`i % OWNERS`). */
export const OWNERS = 10;

/** The name of generated component `i`. */
export function generatedName(i: number): string {
  return `svc-${String(i).padStart(5, '0')}`;
}

/** The entity ref of generated component `i`. */
export function generatedRef(i: number): string {
  return `component:default/${generatedName(i)}`;
}

/** The owner group of generated component `i`. */
export function generatedOwner(i: number): string {
  return `group:default/team-${i % OWNERS}`;
}

/** A digest that depends only on its seed. */
export function fakeDigest(seed: string): string {
  return `sha256:${createHash('sha256').update(seed).digest('hex')}`;
}

/** Catalog entities of components `from` .. `from + count - 1`, with the relations the catalog would stitch. */
export function generatedEntities(from: number, count: number): Entity[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: generatedName(i),
        namespace: 'default',
        annotations: { 'image-promotion.io/image': generatedName(i) },
      },
      spec: {
        type: 'service',
        lifecycle: i % 3 === 0 ? 'experimental' : 'production',
        owner: generatedOwner(i),
        system: `sys-${i % 20}`,
      },
      relations: [{ type: 'ownedBy', targetRef: generatedOwner(i) }],
    };
  });
}

/** What {@link seedGeneratedComponents} writes per component. */
export interface SeedOptions {
  from: number;
  count: number;
  /** The environments of the pipeline, in order; at least two. */
  environments: string[];
  /** Adds promotions (succeeded, pending, failed) and drift to some components; else versions only. */
  history?: boolean;
  concurrency?: number;
  now?: Date;
}

/**
 * Writes generated components: versions in every environment (the first one
 * ahead of the others), and with `history` a succeeded promotion into the
 * last environment for every component, a pending one for every 10th, a
 * failed one for every 7th and a moved tag (drift) for every 13th.
 */
export async function seedGeneratedComponents(
  stores: ImagePromotionStores,
  options: SeedOptions,
): Promise<void> {
  const now = options.now ?? new Date();
  const at = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const envs = options.environments;
  const last = envs[envs.length - 1];
  const indexes = Array.from(
    { length: options.count },
    (_, k) => options.from + k,
  );
  await stores.components.upsertComponents(
    generatedEntities(options.from, options.count).map(entity => ({
      entityRef: `component:default/${entity.metadata.name}`,
      image: entity.metadata.name,
      pipeline: 'default',
      title: null,
      owner: String(entity.spec!.owner),
      system: `system:default/${entity.spec!.system}`,
      lifecycle: String(entity.spec!.lifecycle),
      updatedAt: now,
    })),
  );
  await mapWithConcurrency(indexes, options.concurrency ?? 8, async i => {
    const entityRef = generatedRef(i);
    const digest = (n: number) => fakeDigest(`${entityRef}#${n}`);
    // The first environment got 1.0.0 and 1.0.1 a week ago and 1.0.2 a day ago.
    await stores.tags.applyTagSnapshot({
      entityRef,
      environment: envs[0],
      observed: [
        { tag: '1.0.0', digest: digest(0) },
        { tag: '1.0.1', digest: digest(1) },
      ],
      now: at(7),
    });
    await stores.tags.applyTagSnapshot({
      entityRef,
      environment: envs[0],
      observed: [
        { tag: '1.0.0', digest: digest(0) },
        { tag: '1.0.1', digest: digest(1) },
        { tag: '1.0.2', digest: digest(2) },
      ],
      now: at(1),
    });
    // Every later environment holds an older version than the one before it.
    for (let e = 1; e < envs.length - (options.history ? 1 : 0); e++) {
      const n = Math.max(0, 2 - e);
      await stores.tags.applyTagSnapshot({
        entityRef,
        environment: envs[e],
        observed: [
          { tag: `1.0.${n}`, digest: digest(n) },
          { tag: envs[e], digest: digest(n) },
        ],
        now: at(6 - e),
      });
    }
    if (!options.history) return;

    const succeeded = await stores.promotions.createPromotion({
      entityRef,
      sourceEnvironment: envs[envs.length - 2],
      targetEnvironment: last,
      digest: digest(0),
      targetTag: '1.0.0',
      status: 'queued',
      requestedBy: 'user:default/releaser',
      now: at(3),
    });
    await stores.promotions.transition(succeeded.id, {
      from: ['queued'],
      to: 'succeeded',
      actor: 'system',
      now: at(2),
    });
    await stores.tags.recordPromotedVersion({
      entityRef,
      environment: last,
      digest: digest(0),
      promotionId: succeeded.id,
      now: at(2),
    });
    if (i % 10 === 0) {
      await stores.promotions.createPromotion({
        entityRef,
        sourceEnvironment: envs[envs.length - 2],
        targetEnvironment: last,
        digest: digest(1),
        targetTag: '1.0.1',
        status: 'pending_approval',
        requestedBy: 'user:default/releaser',
        now: at(0.5),
      });
    }
    if (i % 7 === 0) {
      const failed = await stores.promotions.createPromotion({
        entityRef,
        sourceEnvironment: envs[0],
        targetEnvironment: envs[1],
        digest: digest(2),
        targetTag: '1.0.2',
        status: 'queued',
        requestedBy: 'user:default/releaser',
        now: at(0.4),
      });
      await stores.promotions.transition(failed.id, {
        from: ['queued'],
        to: 'failed',
        actor: 'system',
        failureReason: 'the target registry refused the push',
        now: at(0.3),
      });
    }
    if (i % 13 === 0) {
      await stores.tags.applyTagSnapshot({
        entityRef,
        environment: envs[0],
        observed: [
          { tag: '1.0.0', digest: digest(99) },
          { tag: '1.0.1', digest: digest(1) },
          { tag: '1.0.2', digest: digest(2) },
        ],
        now: at(0.2),
      });
    }
  });
}

/**
 * Inserts generated components with one version per environment straight
 * into the tables, a few batched statements for thousands of components (the
 * scale test needs the rows, not the writes that made them; the per-row and
 * bulk reads are compared on {@link seedGeneratedComponents}' data). The
 * first environment holds 1.0.1, the others 1.0.0, so every component is
 * one version behind.
 */
export async function insertGeneratedComponents(
  knex: Knex,
  options: { count: number; environments: string[]; now?: Date },
): Promise<void> {
  const now = options.now ?? new Date();
  const at = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const entities = generatedEntities(0, options.count);
  const batch = async (table: string, rows: Record<string, unknown>[]) => {
    for (let i = 0; i < rows.length; i += 500) {
      await knex(table).insert(rows.slice(i, i + 500));
    }
  };
  await batch(
    'tracked_components',
    entities.map(entity => ({
      entity_ref: `component:default/${entity.metadata.name}`,
      image: entity.metadata.name,
      pipeline: 'default',
      tag_pattern: null,
      title: null,
      owner: String(entity.spec!.owner),
      system: `system:default/${entity.spec!.system}`,
      lifecycle: String(entity.spec!.lifecycle),
      updated_at: now,
    })),
  );
  const versions: Record<string, unknown>[] = [];
  const tags: Record<string, unknown>[] = [];
  for (const entity of entities) {
    const entityRef = `component:default/${entity.metadata.name}`;
    options.environments.forEach((environment, e) => {
      // [version, days since first seen]
      const held: Array<[number, number]> =
        e === 0
          ? [
              [0, 7],
              [1, 1],
            ]
          : [[0, 5]];
      for (const [m, days] of held) {
        const digest = fakeDigest(`${entityRef}#${m}`);
        versions.push({
          entity_ref: entityRef,
          environment,
          digest,
          tags: JSON.stringify([`1.0.${m}`]),
          first_seen: at(days),
          last_seen: now,
          origin: 'discovered',
          promotion_id: null,
        });
        tags.push({
          entity_ref: entityRef,
          environment,
          tag: `1.0.${m}`,
          digest,
          since: at(days),
          promotion_id: null,
        });
      }
    });
  }
  await batch('image_versions', versions);
  await batch('tag_states', tags);
}
