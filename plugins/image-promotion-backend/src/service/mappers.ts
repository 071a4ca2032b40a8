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

import type {
  Approval,
  CurrentVersion,
  DriftEvent,
  ImageVersion,
  Promotion,
  PromotionEvent,
  TrackingError,
} from '../database';
import type {
  CurrentVersion as CurrentVersionResponse,
  DriftEvent as DriftEventResponse,
  EnvironmentTrackingError,
  EnvironmentVersion,
  GateResult,
  Promotion as PromotionResponse,
  PromotionApproval,
  PromotionEvent as PromotionEventResponse,
} from '@image-promotion/plugin-image-promotion-common';

function iso(date: Date): string {
  return date.toISOString();
}

function isoOrNull(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/** Keeps the public fields of a gate verdict (plus the hints clients act on). */
export function toGate(gate: GateResult): GateResult {
  return {
    gate: gate.gate,
    passed: gate.passed,
    message: gate.message,
    ...(gate.eligibleAt ? { eligibleAt: gate.eligibleAt } : {}),
  };
}

/** A promotion as the API shows it; lease details stay internal. */
export function toPromotionResponse(promotion: Promotion): PromotionResponse {
  return {
    id: promotion.id,
    entityRef: promotion.entityRef,
    sourceEnvironment: promotion.sourceEnvironment,
    targetEnvironment: promotion.targetEnvironment,
    digest: promotion.digest,
    sourceTag: promotion.sourceTag,
    targetTag: promotion.targetTag,
    reason: promotion.reason,
    status: promotion.status,
    requestedBy: promotion.requestedBy,
    isRollback: promotion.isRollback,
    gates: promotion.gateResults.map(toGate),
    failureReason: promotion.failureReason,
    progress: {
      bytesCopied: promotion.bytesCopied,
      bytesTotal: promotion.bytesTotal,
    },
    attempts: promotion.attempts,
    createdAt: iso(promotion.createdAt),
    updatedAt: iso(promotion.updatedAt),
    startedAt: isoOrNull(promotion.startedAt),
    finishedAt: isoOrNull(promotion.finishedAt),
    eligibleAt: isoOrNull(promotion.eligibleAt),
  };
}

/** A stored status change. */
export function toPromotionEventResponse(
  event: PromotionEvent,
): PromotionEventResponse {
  return {
    id: event.id,
    promotionId: event.promotionId,
    fromStatus: event.fromStatus,
    toStatus: event.toStatus,
    actor: event.actor,
    message: event.message,
    at: iso(event.at),
  };
}

/** An approver's decision. */
export function toApprovalResponse(approval: Approval): PromotionApproval {
  return {
    promotionId: approval.promotionId,
    approver: approval.approver,
    digest: approval.digest,
    decision: approval.decision,
    comment: approval.comment,
    at: iso(approval.at),
  };
}

/** The digest an environment runs now. */
export function toCurrentResponse(
  current: CurrentVersion | undefined,
): CurrentVersionResponse | null {
  if (!current) return null;
  return {
    digest: current.digest,
    tag: current.tag,
    since: iso(current.since),
    by: current.by,
    promotionId: current.promotionId,
  };
}

/** A digest seen in an environment. */
export function toVersionResponse(version: ImageVersion): EnvironmentVersion {
  return {
    digest: version.digest,
    tags: version.tags,
    firstSeen: iso(version.firstSeen),
    lastSeen: iso(version.lastSeen),
    origin: version.origin,
    promotionId: version.promotionId,
  };
}

/** A drift event. */
export function toDriftResponse(event: DriftEvent): DriftEventResponse {
  return {
    id: event.id,
    entityRef: event.entityRef,
    environment: event.environment,
    tag: event.tag,
    previousDigest: event.previousDigest,
    newDigest: event.newDigest,
    detectedAt: iso(event.detectedAt),
    acknowledgedAt: isoOrNull(event.acknowledgedAt),
    acknowledgedBy: event.acknowledgedBy,
    acknowledgeComment: event.acknowledgeComment,
  };
}

/** Why tracking could not read an environment, as the status and overview endpoints give it. */
export function toTrackingErrorResponse(
  error: TrackingError | undefined,
): EnvironmentTrackingError | null {
  return error
    ? {
        message: error.message,
        lastTriedAt: iso(error.lastTriedAt),
        failingSince: iso(error.failingSince),
      }
    : null;
}
