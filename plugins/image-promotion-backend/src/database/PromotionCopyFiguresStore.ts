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

/** What a promotion's copy did, as the copy engine counted it. */
export interface CopyFigures {
  promotionId: string;
  manifests: number;
  blobs: { total: number; existing: number; mounted: number; uploaded: number };
  bytes: { total: number; transferred: number };
  upToDate: boolean;
  durationMs: number;
  recordedAt: Date;
}

interface CopyFiguresRow {
  promotion_id: string;
  manifests: number;
  blobs_total: number;
  blobs_existing: number;
  blobs_mounted: number;
  blobs_uploaded: number;
  bytes_total: number | string;
  bytes_transferred: number | string;
  up_to_date: boolean | number;
  duration_ms: number;
  recorded_at: DbTimestamp;
}

/** The figures of finished copies, one row per promotion (the last attempt's). */
export class PromotionCopyFiguresStore {
  constructor(private readonly db: Knex) {}

  /** Stores (or replaces, after a retried attempt) a promotion's copy figures. */
  async record(figures: Omit<CopyFigures, 'recordedAt'>, now = new Date()) {
    const row: CopyFiguresRow = {
      promotion_id: figures.promotionId,
      manifests: figures.manifests,
      blobs_total: figures.blobs.total,
      blobs_existing: figures.blobs.existing,
      blobs_mounted: figures.blobs.mounted,
      blobs_uploaded: figures.blobs.uploaded,
      bytes_total: figures.bytes.total,
      bytes_transferred: figures.bytes.transferred,
      up_to_date: figures.upToDate,
      duration_ms: Math.round(figures.durationMs),
      recorded_at: now,
    };
    await this.db<CopyFiguresRow>('promotion_copy_figures')
      .insert(row)
      .onConflict('promotion_id')
      .merge();
  }

  /** A promotion's copy figures, if a copy finished. */
  async get(promotionId: string): Promise<CopyFigures | undefined> {
    const row = await this.db<CopyFiguresRow>('promotion_copy_figures')
      .where({ promotion_id: promotionId })
      .first();
    if (!row) return undefined;
    return {
      promotionId: row.promotion_id,
      manifests: Number(row.manifests),
      blobs: {
        total: Number(row.blobs_total),
        existing: Number(row.blobs_existing),
        mounted: Number(row.blobs_mounted),
        uploaded: Number(row.blobs_uploaded),
      },
      bytes: {
        total: Number(row.bytes_total),
        transferred: Number(row.bytes_transferred),
      },
      upToDate: Boolean(row.up_to_date),
      durationMs: Number(row.duration_ms),
      recordedAt: toDate(row.recorded_at),
    };
  }
}
