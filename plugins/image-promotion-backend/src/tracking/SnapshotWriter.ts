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

import type { TagSnapshot, TagSnapshotResult, TagStore } from '../database';

interface Pending {
  snapshot: TagSnapshot;
  resolve: (result: TagSnapshotResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes what tracking found in batches, one transaction per batch (group
 * commit): a snapshot is written at once when no batch is being written,
 * else it joins the next batch. So a quiet run writes each change at once
 * and a run with many changes commits a few hundred times less often. A
 * batch that fails is written again one snapshot at a time, so one bad
 * environment fails only itself.
 */
export class SnapshotWriter {
  private readonly pending: Pending[] = [];
  private writing = 0;

  constructor(
    private readonly store: Pick<
      TagStore,
      'applyTagSnapshot' | 'applyTagSnapshots'
    >,
    private readonly options: {
      /** Environments per transaction. */
      maxBatch: number;
      /** Transactions at once. */
      maxWriting: number;
    } = { maxBatch: 100, maxWriting: 2 },
  ) {}

  /** Writes one environment's snapshot; resolves once it is committed. */
  write(snapshot: TagSnapshot): Promise<TagSnapshotResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ snapshot, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.writing < this.options.maxWriting && this.pending.length) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      this.writing += 1;
      this.flush(batch).finally(() => {
        this.writing -= 1;
        this.pump();
      });
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    try {
      const results = await this.store.applyTagSnapshots(
        batch.map(p => p.snapshot),
      );
      batch.forEach((p, i) => p.resolve(results[i]));
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      // Nothing of the batch was written: each on its own, below.
    }
    for (const p of batch) {
      try {
        p.resolve(await this.store.applyTagSnapshot(p.snapshot));
      } catch (error) {
        p.reject(error);
      }
    }
  }
}
