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

import {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  isRetryableError,
  isRetryableStatus,
  parseRetryAfter,
  retryOperation,
  type RetryEvent,
} from './retry';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3', 60_000, now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', 60_000, now)).toBe(0);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', 60_000, now)).toBe(
      5000,
    );
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', 60_000, now)).toBe(
      0,
    );
  });

  it('caps what a server may ask for', () => {
    expect(parseRetryAfter('3600', 60_000, now)).toBe(60_000);
  });

  it('ignores absent or garbage values', () => {
    expect(parseRetryAfter(undefined, 60_000, now)).toBeUndefined();
    expect(parseRetryAfter('soon', 60_000, now)).toBeUndefined();
    expect(parseRetryAfter('-5', 60_000, now)).toBeUndefined();
  });
});

describe('retry classification', () => {
  it('retries 408, 429 and transient 5xx only', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 501, 505].some(isRetryableStatus)).toBe(false);
  });

  it('retries dropped connections and hang-ups', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(isRetryableError(err('ECONNRESET'))).toBe(true);
    expect(isRetryableError(err('ECONNREFUSED'))).toBe(true);
    expect(isRetryableError(err('EPIPE'))).toBe(true);
    expect(isRetryableError(err('ETIMEDOUT'))).toBe(true);
    expect(isRetryableError(new Error('socket hang up'))).toBe(true);
    expect(isRetryableError(err('ENOENT'))).toBe(false);
    expect(isRetryableError('ECONNRESET')).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt within the upper half of the window, capped', () => {
    const policy = {
      ...DEFAULT_RETRY_POLICY,
      baseDelayMs: 100,
      maxDelayMs: 1000,
    };
    expect(backoffDelay(1, policy, () => 0)).toBe(50);
    expect(backoffDelay(1, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(400);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
  });
});

describe('retryOperation', () => {
  it('retries transient failures, reports each retry and returns the result', async () => {
    const events: RetryEvent[] = [];
    let calls = 0;
    const result = await retryOperation(
      async () => {
        calls++;
        if (calls < 3)
          throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
        return 'ok';
      },
      {
        policy: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1 },
        isRetryable: isRetryableError,
        onRetry: e => events.push(e),
        description: 'x',
      },
    );
    expect(result).toBe('ok');
    expect(events.map(e => e.attempt)).toEqual([1, 2]);
    expect(events[0].reason).toBe('ECONNRESET');
  });

  it('gives up on permanent failures at once', async () => {
    let calls = 0;
    await expect(
      retryOperation(
        async () => {
          calls++;
          throw new Error('bad request');
        },
        {
          policy: DEFAULT_RETRY_POLICY,
          isRetryable: isRetryableError,
          onRetry: () => {},
          description: 'x',
        },
      ),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });
});
