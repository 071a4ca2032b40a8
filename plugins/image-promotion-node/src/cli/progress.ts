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

import type { CopyProgressEvent } from '../engine/types';

/** Formats a byte count for people. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

interface Writable {
  write(chunk: string): unknown;
}

/**
 * Renders copy progress on a terminal: one status line redrawn at most ten
 * times a second, plus a line per retry so flaky registries are visible.
 */
export class ProgressRenderer {
  private totalBytes = 0;
  private totalBlobs = 0;
  private readonly perBlob = new Map<string, number>();
  private blobsDone = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly out: Writable, private readonly tty: boolean) {}

  /** Feeds one engine event. */
  handle(event: CopyProgressEvent): void {
    switch (event.type) {
      case 'plan':
        this.totalBytes = event.bytes;
        this.totalBlobs = event.blobs;
        break;
      case 'blob':
        this.perBlob.set(event.digest, event.transferred);
        if (event.status === 'done') {
          this.blobsDone++;
        }
        break;
      case 'warning':
        this.clear();
        this.out.write(`warning: ${event.message}\n`);
        break;
      case 'retry':
        this.clear();
        this.out.write(
          `retrying ${event.subject ?? event.url}${
            event.registry ? ` at ${event.registry}` : ''
          } (attempt ${event.attempt}, in ${Math.round(event.delayMs)} ms): ${
            event.reason
          }\n`,
        );
        break;
      default:
        break;
    }
    this.draw(false);
  }

  /** Removes the status line before the final output. */
  finish(): void {
    this.draw(true);
    this.clear();
  }

  private transferred(): number {
    let sum = 0;
    for (const v of this.perBlob.values()) sum += v;
    return sum;
  }

  private clear() {
    if (this.tty && this.drawn) {
      this.out.write('\r\x1b[2K');
      this.drawn = false;
    }
  }

  private draw(force: boolean) {
    if (!this.tty) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const pct =
      this.totalBytes > 0
        ? Math.min(
            100,
            Math.floor((this.transferred() / this.totalBytes) * 100),
          )
        : 0;
    this.out.write(
      `\r\x1b[2K${this.blobsDone}/${this.totalBlobs} blobs, ${formatBytes(
        this.transferred(),
      )} of ${formatBytes(this.totalBytes)} (${pct}%)`,
    );
    this.drawn = true;
  }
}
