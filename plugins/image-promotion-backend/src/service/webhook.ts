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

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RegistryEnvelope } from './schemas';

/** Header carrying the shared secret, for registries that cannot send `Authorization`. */
export const WEBHOOK_SECRET_HEADER = 'x-image-promotion-secret';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Compares two strings in constant time, whatever their lengths. */
export function constantTimeEquals(given: string, expected: string): boolean {
  // Hashing first gives equal-length inputs, so neither the comparison nor
  // an early length check tells an attacker anything about the secret.
  const a = digest(given);
  const b = digest(expected);
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** The secret a notification presents: `Authorization: Token <secret>` or the secret header. */
export function presentedSecret(
  headers: IncomingHttpHeaders,
): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Token\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1];
  }
  const header = headers[WEBHOOK_SECRET_HEADER];
  if (typeof header === 'string' && header.length > 0) return header;
  return undefined;
}

/** Whether a notification carries the configured secret. */
export function isAuthorizedNotification(
  headers: IncomingHttpHeaders,
  secret: string,
): boolean {
  const given = presentedSecret(headers);
  return given !== undefined && constantTimeEquals(given, secret);
}

/** The repositories a notification reports pushes to. */
export function pushedRepositories(envelope: RegistryEnvelope): string[] {
  return [
    ...new Set(
      envelope.events
        .filter(event => event.action === 'push')
        .map(event => event.target.repository),
    ),
  ];
}
