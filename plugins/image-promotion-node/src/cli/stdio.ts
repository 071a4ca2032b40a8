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

import { writeSync } from 'node:fs';

/** What the CLI needs of stdout and stderr. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/**
 * Standard output or error written with synchronous writes to its file
 * descriptor. `process.stdout` and `process.stderr` are created on first
 * use, and for a pipe that loads Node's socket and stream modules: 16 M
 * instructions (callgrind, Node 22.23), where an empty Node.js process runs
 * 88 M. Writes to pipes and files are synchronous on Linux either way, so
 * nothing changes for the reader. Should the descriptor refuse a write
 * because it is non-blocking and full (EAGAIN), this and every later write
 * go through the Node.js stream instead, in order.
 */
export function descriptorStream(
  fd: number,
  stream: () => NodeJS.WriteStream,
): OutputStream {
  let useStream = false;
  return {
    write(chunk: string) {
      if (useStream) return stream().write(chunk);
      const bytes = Buffer.from(chunk);
      let offset = 0;
      while (offset < bytes.length) {
        try {
          offset += writeSync(fd, bytes, offset);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
          useStream = true;
          return stream().write(bytes.subarray(offset));
        }
      }
      return true;
    },
    get isTTY() {
      // Asked only by a copy (whether to draw progress), which has loaded
      // the socket modules anyway.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { isatty } = require('node:tty') as typeof import('node:tty');
      return isatty(fd);
    },
  };
}
