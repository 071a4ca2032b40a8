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
import { ownerSpellings } from './ownerRef';
import { chunks } from './storeUtils';
import { ComponentRow, toComponent } from './rows';
import type {
  ComponentFilter,
  TrackedComponent,
  TrackedComponentInput,
} from './types';

/** The tracked components: what the catalog says is annotated for image promotion. */
export class ComponentStore {
  constructor(private readonly db: Knex) {}

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
      // Any spelling of the owner matches any other (see ownerRef.ts).
      const spellings = [...new Set(filter.owner.flatMap(ownerSpellings))];
      if (spellings.length === 0) {
        query.whereRaw('1 = 0');
      } else {
        query.whereRaw(
          `lower(owner) in (${spellings.map(() => '?').join(', ')})`,
          spellings,
        );
      }
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
}
