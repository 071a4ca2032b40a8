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

import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sleep } from '../transport/retry';

/** A unique temp path inside `dir`, so the final rename stays on one filesystem (and stays atomic). */
export function tempPath(dir: string, label: string): string {
  return path.join(
    dir,
    `.tmp-${label}-${process.pid}-${randomBytes(6).toString('hex')}`,
  );
}

/**
 * Replaces a file atomically: readers see the old or the new content, never
 * a half-written one. Flushed to disk before the rename because a crash must
 * not leave an empty index.json behind.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
): Promise<void> {
  const tmp = tempPath(path.dirname(file), path.basename(file));
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

const inProcess = new Map<string, Promise<unknown>>();

/** A lock older than this is assumed to belong to a crashed process. */
const STALE_LOCK_MS = 60_000;
const LOCK_TIMEOUT_MS = 30_000;

/**
 * Runs `fn` holding an exclusive lock on `lockFile`: a promise chain inside
 * this process, plus an O_EXCL lock file against other processes (two CLI
 * runs promoting into the same layout must not lose each other's tags).
 */
export function withFileLock<T>(
  lockFile: string,
  fn: () => Promise<T>,
): Promise<T> {
  const previous = inProcess.get(lockFile) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      await acquire(lockFile);
      try {
        return await fn();
      } finally {
        await unlink(lockFile).catch(() => undefined);
      }
    });
  inProcess.set(lockFile, run);
  void run
    .finally(() => {
      if (inProcess.get(lockFile) === run) inProcess.delete(lockFile);
    })
    .catch(() => undefined);
  return run;
}

async function acquire(lockFile: string): Promise<void> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      await writeFile(lockFile, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const info = await stat(lockFile).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > STALE_LOCK_MS) {
      await unlink(lockFile).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${lockFile}; if no other image-promotion process is running, delete it`,
      );
    }
    await sleep(20 + Math.random() * 30);
  }
}
