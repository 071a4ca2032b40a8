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

/** Maps items with at most `limit` calls in flight, keeping the input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker),
  );
  return results;
}

/**
 * At most `limit` tasks at once, the others wait in arrival order (urgent
 * ones ahead of the rest). A waiting task whose signal aborts leaves the
 * line with the signal's reason.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<{ start: () => void; urgent: boolean }> = [];

  constructor(readonly limit: number) {}

  /** Tasks running now. */
  get running(): number {
    return this.active;
  }

  /** Runs `task` once a place is free. */
  async run<T>(
    task: () => Promise<T>,
    options: { signal?: AbortSignal; urgent?: boolean } = {},
  ): Promise<T> {
    await this.acquire(options.signal, options.urgent ?? false);
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(
    signal: AbortSignal | undefined,
    urgent: boolean,
  ): Promise<void> {
    signal?.throwIfAborted();
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const entry = { urgent, start: () => {} };
      const onAbort = () => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal!.reason);
      };
      entry.start = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active += 1;
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (urgent) {
        // Behind the urgent ones already waiting, ahead of the rest.
        const firstRoutine = this.waiting.findIndex(w => !w.urgent);
        this.waiting.splice(
          firstRoutine < 0 ? this.waiting.length : firstRoutine,
          0,
          entry,
        );
      } else {
        this.waiting.push(entry);
      }
    });
  }

  private release(): void {
    this.active -= 1;
    this.waiting.shift()?.start();
  }
}
