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
import type { PromotionStatus } from '@image-promotion/plugin-image-promotion-common';

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
