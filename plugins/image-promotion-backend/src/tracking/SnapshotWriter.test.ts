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

import type { TagSnapshot, TagSnapshotResult } from '../database';
import { SnapshotWriter } from './SnapshotWriter';

const snapshot = (environment: string): TagSnapshot => ({
  entityRef: 'component:default/app',
  environment,
  observed: [],
});
const result = (environment: string): TagSnapshotResult => ({
  newDigests: [environment],
  driftEvents: [],
});

/** A store that records its calls and fails snapshots of environment "bad". */
function recordingStore() {
  const batches: string[][] = [];
  const singles: string[] = [];
  let release = () => {};
  let hold = Promise.resolve();
  return {
    batches,
    singles,
    /** Holds the next write until `release()`. */
    holdNext() {
      hold = new Promise(resolve => {
        release = resolve;
      });
    },
    release: () => release(),
    store: {
      async applyTagSnapshots(snapshots: readonly TagSnapshot[]) {
        batches.push(snapshots.map(s => s.environment));
        await hold;
        if (snapshots.some(s => s.environment === 'bad')) {
          throw new Error('not null violation');
        }
        return snapshots.map(s => result(s.environment));
      },
      async applyTagSnapshot(s: TagSnapshot) {
        singles.push(s.environment);
        if (s.environment === 'bad') throw new Error('not null violation');
        return result(s.environment);
      },
    },
  };
}

describe('SnapshotWriter', () => {
  it('writes at once when idle, and batches what arrives meanwhile', async () => {
    const store = recordingStore();
    const writer = new SnapshotWriter(store.store, {
      maxBatch: 3,
      maxWriting: 1,
    });
    store.holdNext();
    const first = writer.write(snapshot('e0'));
    const rest = ['e1', 'e2', 'e3', 'e4'].map(e => writer.write(snapshot(e)));
    store.release();
    expect(await first).toEqual(result('e0'));
    expect(await Promise.all(rest)).toEqual(
      ['e1', 'e2', 'e3', 'e4'].map(result),
    );
    expect(store.batches).toEqual([['e0'], ['e1', 'e2', 'e3'], ['e4']]);
  });

  it('writes a failed batch again one by one, so only the bad snapshot fails', async () => {
    const store = recordingStore();
    const writer = new SnapshotWriter(store.store, {
      maxBatch: 10,
      maxWriting: 1,
    });
    store.holdNext();
    const first = writer.write(snapshot('e0'));
    const good = writer.write(snapshot('e1'));
    const bad = writer.write(snapshot('bad'));
    store.release();
    await first;
    expect(await good).toEqual(result('e1'));
    await expect(bad).rejects.toThrow('not null violation');
    expect(store.batches).toEqual([['e0'], ['e1', 'bad']]);
    expect(store.singles).toEqual(['e1', 'bad']);
  });
});
