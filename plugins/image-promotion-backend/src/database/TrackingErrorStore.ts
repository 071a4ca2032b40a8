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
import { DbTimestamp, toDate } from './rows';

/** Why tracking could not read one environment of one component. */
export interface TrackingError {
  entityRef: string;
  environment: string;
  /** In words naming the environment's registry, as the tracker wrote it. */
  message: string;
  /** When this streak of failures began. */
  failingSince: Date;
  lastTriedAt: Date;
}

/** One component × environment as one tracking run left it. */
export interface TrackingOutcome {
  entityRef: string;
  environment: string;
  /** Absent when the registry was read. */
  error?: string;
}

/** A row of `tracking_errors`. */
export interface TrackingErrorRow {
  entity_ref: string;
  environment: string;
  message: string;
  failing_since: DbTimestamp;
  last_tried_at: DbTimestamp;
}

/** Pairs per statement: keeps the bound parameters well under every driver's limit. */
const CHUNK = 200;

export function toTrackingError(row: TrackingErrorRow): TrackingError {
  return {
    entityRef: row.entity_ref,
    environment: row.environment,
    message: row.message,
    failingSince: toDate(row.failing_since),
    lastTriedAt: toDate(row.last_tried_at),
  };
}

/**
 * The last tracking failure per component and environment, so a lane whose
 * registry cannot be read says so instead of "Nothing deployed yet". A row
 * lives from the first failed read to the next successful one.
 */
export class TrackingErrorStore {
  constructor(private readonly db: Knex) {}

  /**
   * Records what one run found: failures are stored (keeping when the streak
   * began), successes clear the environment's failure. At most two
   * statements per {@link CHUNK} pairs.
   */
  async record(
    outcomes: readonly TrackingOutcome[],
    now: Date = new Date(),
  ): Promise<void> {
    // One outcome per pair: a statement may not touch a row twice.
    const unique = [
      ...new Map(
        outcomes.map(o => [`${o.entityRef}\u0000${o.environment}`, o]),
      ).values(),
    ];
    const failed = unique.filter(o => o.error !== undefined);
    const read = unique.filter(o => o.error === undefined);
    for (let i = 0; i < read.length; i += CHUNK) {
      const chunk = read.slice(i, i + CHUNK);
      await this.db<TrackingErrorRow>('tracking_errors')
        .where(q => {
          for (const o of chunk) {
            q.orWhere(w =>
              w
                .where('entity_ref', o.entityRef)
                .where('environment', o.environment),
            );
          }
        })
        .delete();
    }
    for (let i = 0; i < failed.length; i += CHUNK) {
      const rows: TrackingErrorRow[] = failed.slice(i, i + CHUNK).map(o => ({
        entity_ref: o.entityRef,
        environment: o.environment,
        message: o.error!,
        failing_since: now,
        last_tried_at: now,
      }));
      await this.db<TrackingErrorRow>('tracking_errors')
        .insert(rows)
        .onConflict(['entity_ref', 'environment'])
        .merge(['message', 'last_tried_at']);
    }
  }

  /** The failures of one component's environments, by environment id. */
  async forComponent(entityRef: string): Promise<Map<string, TrackingError>> {
    const rows: TrackingErrorRow[] = await this.db<TrackingErrorRow>(
      'tracking_errors',
    ).where('entity_ref', entityRef);
    return new Map(rows.map(r => [r.environment, toTrackingError(r)]));
  }
}
