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

import type { Readable } from 'node:stream';

/** A blob body opened ahead of the request that sends it. */
export interface PrefetchedBody {
  /**
   * The body for the first send: the stream opened ahead, or a new one
   * when that one ended in an error while it waited (a source that timed
   * out the paused download, say). Later calls (a redirect, a retry) open
   * a new stream, as a body factory must.
   */
  open(): Promise<Readable>;
  /** Closes the stream opened ahead when nothing will send it. */
  discard(): void;
}

/**
 * Opens a blob's source now, for a request that sends it later. An upload
 * across registries asks the target for an upload session (POST) and the
 * source for the blob (GET); both wait on a registry, so the two go out
 * together instead of one after the other. The stream waits paused, with
 * no more than the socket buffers fill. If opening fails, the first `open`
 * gives that failure, exactly as if it had been opened then.
 */
export function prefetchBody(open: () => Promise<Readable>): PrefetchedBody {
  let failedWhileWaiting = false;
  let taken = false;
  const opening = open().then(stream => {
    const onError = () => {
      failedWhileWaiting = true;
    };
    stream.on('error', onError);
    return { stream, stopWatching: () => stream.off('error', onError) };
  });
  // A failure is reported by `open`, or not at all when the body is discarded.
  opening.catch(() => undefined);
  return {
    async open() {
      if (taken) return open();
      taken = true;
      const { stream, stopWatching } = await opening;
      stopWatching();
      if (failedWhileWaiting || stream.destroyed) {
        stream.destroy();
        return open();
      }
      return stream;
    },
    discard() {
      if (taken) return;
      taken = true;
      opening.then(
        ({ stream }) => stream.destroy(),
        () => undefined,
      );
    },
  };
}
