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

import type { GateResult, PromotionStatus } from '../domain/types';
import type {
  Approval,
  ApprovalDecision,
  DriftEvent,
  ImageVersion,
  Promotion,
  PromotionEvent,
  TagState,
  TrackedComponent,
  VersionOrigin,
} from './types';

/*
 * Row shapes as the drivers return them. Timestamps come back as Date from
 * PostgreSQL and as epoch milliseconds from better-sqlite3; booleans as
 * boolean or 0/1; bigints as string from PostgreSQL.
 */

/** A timestamp column as read. */
export type DbTimestamp = Date | number | string;

export interface ComponentRow {
  entity_ref: string;
  image: string;
  pipeline: string;
  tag_pattern: string | null;
  title: string | null;
  owner: string | null;
  system: string | null;
  lifecycle: string | null;
  updated_at: DbTimestamp;
}

export interface VersionRow {
  entity_ref: string;
  environment: string;
  digest: string;
  tags: string;
  first_seen: DbTimestamp;
  last_seen: DbTimestamp;
  origin: VersionOrigin;
  promotion_id: string | null;
}

export interface TagStateRow {
  entity_ref: string;
  environment: string;
  tag: string;
  digest: string;
  since: DbTimestamp;
  promotion_id: string | null;
}

export interface TagHistoryRow {
  id?: number;
  entity_ref: string;
  environment: string;
  tag: string;
  digest: string;
  cause: 'discovered' | 'drift' | 'promotion';
  promotion_id: string | null;
  at: DbTimestamp;
}

export interface DriftEventRow {
  id: string;
  entity_ref: string;
  environment: string;
  tag: string;
  previous_digest: string;
  new_digest: string;
  detected_at: DbTimestamp;
  acknowledged_at: DbTimestamp | null;
  acknowledged_by: string | null;
  /** Added by a later migration; absent from rows written before it. */
  acknowledge_comment?: string | null;
}

export interface PromotionRow {
  id: string;
  entity_ref: string;
  source_environment: string;
  target_environment: string;
  digest: string;
  source_tag: string | null;
  target_tag: string;
  reason: string | null;
  status: PromotionStatus;
  requested_by: string;
  is_rollback: boolean | number;
  gate_results: string;
  failure_reason: string | null;
  bytes_total: number | string | null;
  bytes_copied: number | string;
  attempts: number;
  lease_owner: string | null;
  lease_expires_at: DbTimestamp | null;
  created_at: DbTimestamp;
  updated_at: DbTimestamp;
  started_at: DbTimestamp | null;
  finished_at: DbTimestamp | null;
  /** Added by a later migration; null or absent when no time gate held the promotion. */
  eligible_at?: DbTimestamp | null;
}

export interface PromotionEventRow {
  id?: number;
  promotion_id: string;
  from_status: PromotionStatus | null;
  to_status: PromotionStatus;
  actor: string;
  message: string | null;
  at: DbTimestamp;
}

export interface PromotionLockRow {
  entity_ref: string;
  target_environment: string;
  promotion_id: string;
  created_at: DbTimestamp;
}

export interface ApprovalRow {
  promotion_id: string;
  approver: string;
  digest: string;
  decision: ApprovalDecision;
  comment: string | null;
  at: DbTimestamp;
}

/** Normalises a timestamp column to a Date. */
export function toDate(value: DbTimestamp): Date {
  if (value instanceof Date) {
    return value;
  }
  return new Date(value);
}

/** Normalises a nullable timestamp column. */
export function toDateOrNull(
  value: DbTimestamp | null | undefined,
): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

/** Parses a JSON array of tags, tolerating damage by treating it as empty. */
export function parseTags(value: string): string[] {
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed)
      ? parsed.filter((t): t is string => typeof t === 'string')
      : [];
  } catch {
    return [];
  }
}

function parseGateResults(value: string): GateResult[] {
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? (parsed as GateResult[]) : [];
  } catch {
    return [];
  }
}

export function toComponent(row: ComponentRow): TrackedComponent {
  return {
    entityRef: row.entity_ref,
    image: row.image,
    pipeline: row.pipeline,
    tagPattern: row.tag_pattern,
    title: row.title,
    owner: row.owner,
    system: row.system,
    lifecycle: row.lifecycle,
    updatedAt: toDate(row.updated_at),
  };
}

export function toVersion(row: VersionRow): ImageVersion {
  return {
    entityRef: row.entity_ref,
    environment: row.environment,
    digest: row.digest,
    tags: parseTags(row.tags),
    firstSeen: toDate(row.first_seen),
    lastSeen: toDate(row.last_seen),
    origin: row.origin,
    promotionId: row.promotion_id,
  };
}

export function toTagState(row: TagStateRow): TagState {
  return {
    entityRef: row.entity_ref,
    environment: row.environment,
    tag: row.tag,
    digest: row.digest,
    since: toDate(row.since),
    promotionId: row.promotion_id,
  };
}

export function toDriftEvent(row: DriftEventRow): DriftEvent {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    environment: row.environment,
    tag: row.tag,
    previousDigest: row.previous_digest,
    newDigest: row.new_digest,
    detectedAt: toDate(row.detected_at),
    acknowledgedAt: toDateOrNull(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    acknowledgeComment: row.acknowledge_comment ?? null,
  };
}

export function toPromotion(row: PromotionRow): Promotion {
  return {
    id: row.id,
    entityRef: row.entity_ref,
    sourceEnvironment: row.source_environment,
    targetEnvironment: row.target_environment,
    digest: row.digest,
    sourceTag: row.source_tag,
    targetTag: row.target_tag,
    reason: row.reason,
    status: row.status,
    requestedBy: row.requested_by,
    isRollback: Boolean(row.is_rollback),
    gateResults: parseGateResults(row.gate_results),
    failureReason: row.failure_reason,
    bytesTotal: row.bytes_total === null ? null : Number(row.bytes_total),
    bytesCopied: Number(row.bytes_copied),
    attempts: Number(row.attempts),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: toDateOrNull(row.lease_expires_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    startedAt: toDateOrNull(row.started_at),
    finishedAt: toDateOrNull(row.finished_at),
    eligibleAt: toDateOrNull(row.eligible_at ?? null),
  };
}

export function toPromotionEvent(row: PromotionEventRow): PromotionEvent {
  return {
    id: Number(row.id),
    promotionId: row.promotion_id,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    actor: row.actor,
    message: row.message,
    at: toDate(row.at),
  };
}

export function toApproval(row: ApprovalRow): Approval {
  return {
    promotionId: row.promotion_id,
    approver: row.approver,
    digest: row.digest,
    decision: row.decision,
    comment: row.comment,
    at: toDate(row.at),
  };
}
