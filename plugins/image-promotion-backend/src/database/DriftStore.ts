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
import { DriftEventRow, toDriftEvent } from './rows';
import type { DriftEvent } from './types';

/** How many drift events one history answer holds at most. */
const HISTORY_LIMIT = 500;

/**
 * Drift: tags that moved in a registry without a promotion (tracking raises
 * the events, see TagStore.applyTagSnapshot), their acknowledgements with
 * what the person wrote, and a component's history of them.
 */
export class DriftStore {
  constructor(private readonly db: Knex) {}

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
   * Marks a drift event as seen by `user`, keeping their comment.
   *
   * @returns false when it does not exist or was already acknowledged
   */
  async acknowledgeDrift(
    id: string,
    user: string,
    comment: string | null = null,
    now: Date = new Date(),
  ): Promise<boolean> {
    const updated = await this.db<DriftEventRow>('drift_events')
      .where({ id })
      .whereNull('acknowledged_at')
      .update({
        acknowledged_at: now,
        acknowledged_by: user,
        acknowledge_comment: comment,
      });
    return updated === 1;
  }

  /** A component's drift events, acknowledged or not, newest first. */
  async listDriftHistory(filter: {
    entityRef: string;
    environment?: string;
    limit?: number;
  }): Promise<DriftEvent[]> {
    const query = this.db<DriftEventRow>('drift_events')
      .where('entity_ref', filter.entityRef)
      .orderBy([
        { column: 'detected_at', order: 'desc' },
        { column: 'id', order: 'asc' },
      ])
      .limit(filter.limit ?? HISTORY_LIMIT);
    if (filter.environment) query.where('environment', filter.environment);
    return (await query).map(toDriftEvent);
  }
}
