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

import { AbortError } from '../errors';

/** How requests are retried. */
export interface RetryPolicy {
  /** Total attempts, including the first. */
  maxAttempts: number;
  /** Delay before the first retry; doubles per attempt. */
  baseDelayMs: number;
  /** Upper bound of the computed backoff. */
  maxDelayMs: number;
  /** Upper bound of a server's Retry-After, so a registry cannot park us for an hour. */
  maxRetryAfterMs: number;
  /**
   * Attempts of a request whose registry missed a deadline (connect or
   * response timeout), including the first. Each costs a whole timeout, so
   * this is kept far below `maxAttempts`.
   */
  maxStallAttempts: number;
}

/** Defaults: about 8 s of patience over 5 attempts, Retry-After honoured up to a minute. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  maxStallAttempts: 2,
};

/** A retry that is about to happen, as reported to progress listeners. */
export interface RetryEvent {
  attempt: number;
  delayMs: number;
  reason: string;
  url: string;
  /** Host of the registry (or token service) that failed. */
  registry?: string;
  /** What was being done, e.g. `blob sha256:… of team/app`. */
  subject?: string;
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** Whether a network-level error is worth retrying (connection dropped, refused, timed out). */
export function isRetryableError(error: unknown): boolean {
  // Duck-typed rather than `instanceof Error`: errors raised by Node's core
  // come from another realm under test runners that sandbox globals.
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
  return typeof message === 'string' && /socket hang up/i.test(message);
}

/**
 * Whether an HTTP status is transient. 501 and 505 are 5xx but permanent: the
 * server will never implement the method or version on a second try.
 */
export function isRetryableStatus(status: number): boolean {
  return (
    status === 408 ||
    status === 429 ||
    (status >= 500 && status <= 599 && status !== 501 && status !== 505)
  );
}

/**
 * Parses a Retry-After header (delta-seconds or an HTTP date) into
 * milliseconds, capped at `maxMs`; undefined when absent or unparsable.
 */
export function parseRetryAfter(
  value: string | undefined,
  maxMs: number,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(trimmed)) {
    ms = Number(trimmed) * 1000;
  } else if (/[a-z]/i.test(trimmed)) {
    // An HTTP date always names a day or month; this also keeps Date.parse
    // from reading "-5" as a year.
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    ms = date - now;
  } else {
    return undefined;
  }
  return Math.min(Math.max(ms, 0), maxMs);
}

/**
 * Exponential backoff with jitter for retry number `attempt` (1-based): the
 * delay is drawn from the upper half of the window, so concurrent clients
 * spread out without any retry becoming instant.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const window = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * 2 ** Math.max(0, attempt - 1),
  );
  return Math.round(window / 2 + random() * (window / 2));
}

/** Waits, or rejects with an AbortError as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError(undefined, { cause: signal.reason }));
      return;
    }
    let timer: NodeJS.Timeout | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal?.reason }));
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Retries a multi-request operation (e.g. an upload session: POST then PUT)
 * as a whole with the same backoff as single requests. `isRetryable` decides
 * which failures are transient; aborts are never retried.
 */
export async function retryOperation<T>(
  operation: (attempt: number) => Promise<T>,
  options: {
    policy: RetryPolicy;
    isRetryable: (error: unknown) => boolean;
    /** Told before each retry; the description must hold no secrets. */
    onRetry: (event: RetryEvent) => void;
    description: string;
    /** Host of the registry, for retry lines. */
    registry?: string;
    /** What is retried, in the user's terms, for retry lines. */
    subject?: string;
    signal?: AbortSignal;
  },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (options.signal?.aborted) {
        throw new AbortError(undefined, { cause: options.signal.reason });
      }
      if (
        attempt >= options.policy.maxAttempts ||
        !options.isRetryable(error)
      ) {
        throw error;
      }
      const delayMs = backoffDelay(attempt, options.policy);
      options.onRetry({
        attempt,
        delayMs,
        reason:
          typeof (error as { reason?: unknown }).reason === 'string'
            ? (error as { reason: string }).reason
            : (error as NodeJS.ErrnoException).code ?? (error as Error).message,
        url: options.description,
        registry: options.registry,
        subject: options.subject,
      });
      await sleep(delayMs, options.signal);
    }
  }
}
