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

import type { ClientRequest, IncomingMessage } from 'node:http';
import { RegistryTimeoutError, type TimeoutPhase } from '../errors';
import { describeRequest, whoIs } from './networkErrors';

/**
 * Deadlines of every registry request. None of them bounds a whole transfer:
 * a slow but moving 1 GB blob is never cut off, only silence is.
 */
export interface RegistryTimeouts {
  /** TCP connect (and TLS handshake) of a new connection. */
  connectMs: number;
  /**
   * From the request having been sent to the response headers. After a
   * streamed upload the registry gets one extra second per 32 MiB to commit
   * (hash, move to storage) before it has to answer.
   */
  responseHeadersMs: number;
  /** No body byte received (or, uploading, accepted) for this long. */
  idleMs: number;
}

/**
 * Defaults: a registry that accepts connections and never answers fails a
 * request after two attempts of 20 s (the transport retries a missed deadline
 * once), one that stalls mid-body after 20 s of silence; both well within a
 * minute, retries included.
 */
export const DEFAULT_REGISTRY_TIMEOUTS: RegistryTimeouts = {
  connectMs: 10_000,
  responseHeadersMs: 20_000,
  idleMs: 20_000,
};

/** Extra time to answer after a streamed upload, per byte: 1 s per 32 MiB. */
const COMMIT_MS_PER_BYTE = 1000 / (32 * 1024 * 1024);

/** Fills in defaults and rejects values that are not positive milliseconds. */
export function resolveTimeouts(
  timeouts: Partial<RegistryTimeouts> = {},
): RegistryTimeouts {
  const resolved = { ...DEFAULT_REGISTRY_TIMEOUTS };
  for (const key of Object.keys(resolved) as Array<keyof RegistryTimeouts>) {
    const value = timeouts[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new TypeError(
        `timeouts.${key} must be a positive number of milliseconds, got ${String(
          value,
        )}`,
      );
    }
    resolved[key] = value;
  }
  return resolved;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Builds the error for a missed deadline; the message says who, what and what to check. */
export function timeoutError(
  phase: TimeoutPhase,
  timeoutMs: number,
  method: string,
  url: URL,
  bytes?: { transferred: number; total?: number },
): RegistryTimeoutError {
  const who = whoIs(url);
  const what = describeRequest(method, url);
  const after = bytes
    ? ` after ${bytes.transferred}${
        bytes.total !== undefined ? ` of ${bytes.total}` : ''
      } bytes`
    : '';
  let message: string;
  switch (phase) {
    case 'connect':
      message = `${who} did not accept a connection within ${seconds(
        timeoutMs,
      )} (${what}): check that the host and port are right and that no firewall silently drops the traffic, or raise the connect timeout`;
      break;
    case 'response':
      message = `${who} accepted the connection but did not answer ${what} within ${seconds(
        timeoutMs,
      )}: it is overloaded or hung; check its health and logs, or raise the response timeout`;
      break;
    case 'idle':
      message = `${who} stopped sending ${what}${after}: nothing arrived for ${seconds(
        timeoutMs,
      )}; check the registry (and its storage) and the network in between, or raise the idle timeout`;
      break;
    default:
      message = `${who} stopped accepting ${what}${after}: nothing was taken for ${seconds(
        timeoutMs,
      )}; check the registry (and its storage) and the network in between, or raise the idle timeout`;
  }
  return new RegistryTimeoutError(message, {
    registry: url.host,
    phase,
    timeoutMs,
  });
}

/** How often silence is checked for: often enough to be accurate, rarely enough to cost nothing. */
function tickFor(idleMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(idleMs / 4)));
}

/**
 * Arms the connect and response-headers deadlines of a request. `sentBytes`
 * tells how much body was streamed, which buys the registry commit time.
 * Calls `onTimeout` with the error once; the caller destroys the request.
 */
export function armRequestDeadlines(
  req: ClientRequest,
  options: {
    timeouts: RegistryTimeouts;
    secure: boolean;
    sentBytes: () => number;
    onTimeout: (phase: 'connect' | 'response', timeoutMs: number) => void;
  },
): void {
  const { timeouts } = options;
  let connectTimer: NodeJS.Timeout | undefined;
  let responseTimer: NodeJS.Timeout | undefined;
  let answered = false;
  const clear = () => {
    clearTimeout(connectTimer);
    clearTimeout(responseTimer);
  };
  req.once('socket', socket => {
    if (!socket.connecting) return;
    connectTimer = setTimeout(
      () => options.onTimeout('connect', timeouts.connectMs),
      timeouts.connectMs,
    );
    socket.once(options.secure ? 'secureConnect' : 'connect', () =>
      clearTimeout(connectTimer),
    );
  });
  // 'finish' fires once the whole request has been handed to the socket,
  // so time queued for a pooled socket or spent uploading does not count.
  req.once('finish', () => {
    if (answered) return;
    const ms =
      timeouts.responseHeadersMs +
      Math.round(options.sentBytes() * COMMIT_MS_PER_BYTE);
    responseTimer = setTimeout(() => options.onTimeout('response', ms), ms);
  });
  req.once('response', () => {
    answered = true;
    clear();
  });
  req.once('close', clear);
}

/**
 * Watches a streamed request body: when the registry has stopped taking
 * bytes (the request waits for 'drain') for `idleMs`, the upload has stalled
 * at the registry's end. A body source that is merely slow is not the
 * registry's fault and has its own watch when it is another registry.
 */
export function watchUpload(
  req: ClientRequest,
  idleMs: number,
  onStall: () => void,
): () => void {
  let blockedSince: number | undefined;
  const onDrain = () => {
    blockedSince = undefined;
  };
  req.on('drain', onDrain);
  let timer: NodeJS.Timeout | undefined = undefined;
  const stop = () => {
    clearInterval(timer);
    req.off('drain', onDrain);
  };
  timer = setInterval(() => {
    // Waiting for a pooled socket or for the connection is not an upload
    // stall (the connect timeout covers the latter).
    if (!req.writableNeedDrain || !req.socket || req.socket.connecting) {
      blockedSince = undefined;
      return;
    }
    const now = Date.now();
    blockedSince ??= now;
    if (now - blockedSince >= idleMs) {
      stop();
      onStall();
    }
  }, tickFor(idleMs));
  timer.unref();
  req.once('close', stop);
  return stop;
}

/**
 * Watches a response body for silence and counts what arrives. Counting
 * wraps the instance's `push` (what Node's HTTP parser calls per chunk)
 * rather than listening for 'data', which would start the flow before the
 * consumer is attached. Per chunk that is one addition: the interval timer
 * notices progress by comparing the count with the one it saw last, so no
 * clock is read and no timer is touched per chunk. Silence only counts
 * while the consumer is waiting (nothing buffered): a body held back by a
 * slow consumer (an upload to a slower registry) is not a stalled registry.
 */
export function watchResponseBody(
  res: IncomingMessage,
  idleMs: number,
  onStall: (received: number) => void,
): { received: () => number } {
  let received = 0;
  let seen = 0;
  let lastProgress = Date.now();
  const push = res.push.bind(res);
  res.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk !== null && chunk !== undefined) {
      received += (chunk as Buffer).length;
    }
    return push(chunk, encoding);
  };
  const timer = setInterval(() => {
    const now = Date.now();
    if (res.complete) {
      clearInterval(timer);
      return;
    }
    if (received !== seen || res.readableLength > 0) {
      seen = received;
      lastProgress = now;
      return;
    }
    if (now - lastProgress >= idleMs) {
      clearInterval(timer);
      onStall(received);
    }
  }, tickFor(idleMs));
  timer.unref();
  const stop = () => clearInterval(timer);
  res.once('end', stop);
  res.once('close', stop);
  return { received: () => received };
}
