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

import { ResponseError } from '@backstage/errors';
import {
  AUTO_PROMOTION_REQUESTER,
  type PromotionStatus,
} from '@image-promotion/plugin-image-promotion-common';

/** `sha256:0123456789ab…` → `0123456789ab`: the 12 hex characters people recognise. */
export function shortDigest(digest: string): string {
  const hex = digest.includes(':')
    ? digest.slice(digest.indexOf(':') + 1)
    : digest;
  return hex.slice(0, 12);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A duration in words a person reads at a glance: `45s`, `12m`, `3h 5m`, `4d 2h`. */
export function formatDuration(ms: number): string {
  const value = Math.max(0, ms);
  if (value < MINUTE) {
    return `${Math.round(value / 1000)}s`;
  }
  if (value < HOUR) {
    return `${Math.floor(value / MINUTE)}m`;
  }
  if (value < DAY) {
    const hours = Math.floor(value / HOUR);
    const minutes = Math.floor((value % HOUR) / MINUTE);
    return minutes ? `${hours}h ${minutes}m` : `${hours}h`;
  }
  const days = Math.floor(value / DAY);
  const hours = Math.floor((value % DAY) / HOUR);
  return hours ? `${days}d ${hours}h` : `${days}d`;
}

/** How long ago an ISO instant was, e.g. `3h 5m ago`. */
export function formatAge(iso: string, now: number = Date.now()): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) {
    return 'unknown';
  }
  return `${formatDuration(now - at)} ago`;
}

/** An ISO instant in the reader's locale, for titles and tables. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) {
    return '';
  }
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toLocaleString();
}

/** Bytes in binary units, e.g. `12.5 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** `user:default/jane.doe` → `jane.doe`; other refs are shown as they are. */
export function humanizeUserRef(ref: string | null | undefined): string {
  if (!ref) {
    return 'tracking';
  }
  const match = /^user:(?:default\/)?(.+)$/.exec(ref);
  return match ? match[1] : ref;
}

/** Names as a sentence lists them: `alice`, `alice and bob`, `alice, bob and carol`. */
export function listNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/**
 * Who moved a promotion in its history: a person by name, the plugin's copy worker (whose id,
 * `host:pid:nonce`, means nothing to a reader) as "the copy worker on host", anything else as is.
 */
export function humanizeEventActor(actor: string | null | undefined): string {
  const worker = actor ? /^([^:\s]+):\d+:[0-9a-f]+$/i.exec(actor) : null;
  if (worker) return `the copy worker on ${worker[1]}`;
  return humanizeUserRef(actor);
}

/**
 * The note of a history event as a reader wants it: nothing where it only
 * repeats who acted ("Claimed by <worker>"), and copy worker ids inside it
 * (a lease that expired, the worker that took over) as "the copy worker on host".
 */
export function humanizeEventMessage(
  message: string | null | undefined,
  actor: string | null | undefined,
): string {
  if (!message || (actor && message === `Claimed by ${actor}`)) return '';
  return message.replace(
    /\b([A-Za-z0-9][\w.-]*):\d+:[0-9a-f]{6,}\b/gi,
    (_, host: string) => `the copy worker on ${host}`,
  );
}

/**
 * Who put a version into an environment, as a lane says it: `by alice, approved by bob`, or for a
 * promotion an automation (a CI token, another plugin) started, `by automation ci-bot`.
 */
export function promotedByText(
  requestedBy: string,
  approvedBy: readonly string[] = [],
): string {
  let requester: string;
  if (/^user:/.test(requestedBy)) requester = humanizeUserRef(requestedBy);
  else if (requestedBy === AUTO_PROMOTION_REQUESTER) requester = requestedBy;
  else {
    requester = `automation ${requestedBy.replace(
      /^(external|plugin|service):/,
      '',
    )}`;
  }
  const approvers = approvedBy.map(a => humanizeUserRef(a));
  return approvers.length > 0
    ? `by ${requester}, approved by ${listNames(approvers)}`
    : `by ${requester}`;
}

/**
 * Why tracking could not read a registry, for a lane that already names the environment: the
 * tracker's "the qa registry at host:port refused …" becomes "it refused …".
 */
export function trackingReason(message: string): string {
  const reason = message
    .replace(
      /^the \S+ registry(?: "[^"]*")?(?: \(OCI layout [^)]*\))?(?: at \S+)?\s+/,
      'it ',
    )
    // What tracking was doing says nothing the lane does not: it was reading the registry.
    .replace(/^it cannot be read while [^:]+:\s*/, '')
    .replace(/\s*\(while [^)]*\)/, '')
    .replace(/'?(\/[\w.@+-]+){2,}\/?'?/g, '(a path on the backend)')
    .trim();
  return reason.replace(/[.;,]+$/, '');
}

const STATUS_LABELS: Record<PromotionStatus, string> = {
  pending_approval: 'Waiting for approval',
  queued: 'Queued',
  copying: 'Copying',
  verifying: 'Verifying',
  succeeded: 'Succeeded',
  failed: 'Failed',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
};

/** A promotion status in words. */
export function statusLabel(status: PromotionStatus): string {
  return STATUS_LABELS[status] ?? status;
}

/** Whether a promotion in this status is still moving. */
export function isRunning(status: PromotionStatus): boolean {
  return status === 'queued' || status === 'copying' || status === 'verifying';
}

/** The message to show for a failed call: the backend's own words when it sent some. */
export function errorMessage(error: unknown): string {
  if (ResponseError.is(error)) {
    return error.cause?.message || error.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

/** Whether the backend could not be reached at all, as opposed to answering with an error. */
export function isUnreachable(error: unknown): boolean {
  if (ResponseError.is(error)) {
    return [502, 503, 504].includes(error.statusCode);
  }
  // fetch rejects with a TypeError when there is no answer (connection refused, DNS, CORS).
  return error instanceof TypeError;
}

/** What an operating-system error code means for a registry, in words. */
const SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: 'a file or directory it needs does not exist',
  ENOTDIR: 'a path it uses is a file, not a directory',
  EISDIR: 'a path it uses is a directory, not a file',
  EACCES: 'the backend has no permission to use it',
  EPERM: 'the backend has no permission to use it',
  EROFS: 'it is on a read-only file system',
  ENOSPC: 'its disk is full',
  ECONNREFUSED: 'it refused the connection',
  ECONNRESET: 'it closed the connection',
  ETIMEDOUT: 'it did not answer in time',
  ENOTFOUND: 'its host name is unknown',
  EAI_AGAIN: 'its host name could not be looked up',
};

/**
 * A promotion's failure reason as a person reads it: an operating-system error such as
 * `ENOTDIR: not a directory, open '/data/prod/…'` becomes a sentence naming the environment and
 * its registry, without file paths; other reasons (already written for people) stay as they are.
 */
export function plainFailureReason(
  reason: string | null | undefined,
  where: { environment: string; registry?: string },
): string {
  const registry = where.registry
    ? `the ${where.environment} registry (${where.registry})`
    : `the ${where.environment} registry`;
  if (!reason) {
    return `The promotion into ${where.environment} failed without a reason.`;
  }
  const code = /\b(E[A-Z_]{3,})\b/.exec(reason)?.[1];
  if (code && SYSTEM_ERRORS[code]) {
    return `Could not use ${registry}: ${SYSTEM_ERRORS[code]} (${code}). Check the registry's configuration and storage.`;
  }
  // File paths mean nothing to most readers and differ per machine.
  return reason.replace(/'?(\/[\w.@+-]+){2,}\/?'?/g, '(a path on the backend)');
}

/** The API's field names, as the dialog's labels call them. */
const FIELD_WORDS: Record<string, string> = {
  entityRef: 'component',
  sourceEnvironment: 'source environment',
  targetEnvironment: 'target environment',
  sourceTag: 'source tag',
  targetTag: 'target tag',
  digest: 'digest',
  reason: 'reason',
  comment: 'comment',
};

const UUID =
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/**
 * A failed call's message for a person: the backend's words, without promotion ids (which mean
 * nothing to a reader) and with the API's field names (`targetTag`, `body.reason`) in words.
 */
export function plainErrorMessage(error: unknown): string {
  let text = errorMessage(error);
  // "promotion 3f2a…" reads as "promotion"; a bare id, in brackets or not, goes.
  text = text.replace(
    new RegExp(`\\(\\s*(?:id\\s*)?${UUID.source}\\s*\\)`, 'gi'),
    '',
  );
  text = text.replace(new RegExp(`(promotion)\\s+${UUID.source}`, 'gi'), '$1');
  text = text.replace(UUID, '');
  text = text.replace(
    /\b(?:body|query|params)\.(\w+)/g,
    (_m, field: string) => FIELD_WORDS[field] ?? field,
  );
  text = text.replace(
    /\b(entityRef|sourceEnvironment|targetEnvironment|sourceTag|targetTag)\b/g,
    (_m, field: string) => FIELD_WORDS[field],
  );
  return text
    .replace(/\s{2,}/g, ' ')
    .replace(/\s+([.,:;])/g, '$1')
    .trim();
}
