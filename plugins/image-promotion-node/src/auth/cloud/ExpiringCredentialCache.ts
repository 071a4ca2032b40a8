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

import type { RegistryCredential } from '../credentials';

/** A credential and the time (ms since epoch) it stops working. */
export interface ExpiringCredential {
  credential: RegistryCredential;
  expiresAt: number;
}

/** Never reuse a token in its last 5 minutes (the vendors' own clients refresh about that early). */
const MAX_MARGIN_MS = 5 * 60_000;

/**
 * When a cached token should be replaced: a tenth of its lifetime before it
 * expires, at most 5 minutes before, so a 12 h ECR token is renewed 5 min
 * early and a 60 s token 6 s early.
 */
export function renewAt(expiresAt: number, fetchedAt: number): number {
  const margin = Math.min(MAX_MARGIN_MS, (expiresAt - fetchedAt) / 10);
  return expiresAt - Math.max(margin, 0);
}

interface Entry {
  value: ExpiringCredential;
  renewAt: number;
}

/**
 * Per-host cache of short-lived credentials: fetched once however many
 * requests ask at the same time, reused until shortly before they expire,
 * dropped on {@link invalidate} (the registry refused them).
 */
export class ExpiringCredentialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<ExpiringCredential>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The cached credential for `key`, or the result of `fetch` (shared by concurrent callers). */
  async get(
    key: string,
    fetch: () => Promise<ExpiringCredential>,
  ): Promise<RegistryCredential> {
    const entry = this.entries.get(key);
    if (entry && entry.renewAt > this.now()) return entry.value.credential;
    let pending = this.inflight.get(key);
    if (!pending) {
      const fetchedAt = this.now();
      pending = fetch().then(
        value => {
          this.inflight.delete(key);
          this.entries.set(key, {
            value,
            renewAt: renewAt(value.expiresAt, fetchedAt),
          });
          return value;
        },
        error => {
          this.inflight.delete(key);
          throw error;
        },
      );
      this.inflight.set(key, pending);
    }
    return (await pending).credential;
  }

  /** Forgets the credential of `key`; the next {@link get} fetches anew. */
  invalidate(key: string): void {
    this.entries.delete(key);
  }
}
