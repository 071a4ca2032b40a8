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

import type { ApprovalDecision, VersionOrigin } from '../database';
import type { GateResult, PromotionStatus } from '../domain/types';

/** A gate verdict; a failed soak or freeze gate says when it passes by itself. */
export interface GateResponse extends GateResult {
  eligibleAt?: string;
}

// The JSON shapes of the REST API, as described in src/schema/openapi.yaml.
// Instants are ISO-8601 strings.

/** What a promotion reports while it runs and after. */
export interface PromotionResponse {
  id: string;
  entityRef: string;
  sourceEnvironment: string;
  targetEnvironment: string;
  digest: string;
  sourceTag: string | null;
  targetTag: string;
  reason: string | null;
  status: PromotionStatus;
  requestedBy: string;
  isRollback: boolean;
  /** Policy verdict recorded when the promotion was requested. */
  gates: GateResponse[];
  failureReason: string | null;
  progress: { bytesCopied: number; bytesTotal: number | null };
  attempts: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** One stored status change of a promotion. */
export interface PromotionEventResponse {
  fromStatus: PromotionStatus | null;
  toStatus: PromotionStatus;
  actor: string;
  message: string | null;
  at: string;
}

/** An approver's decision. */
export interface ApprovalResponse {
  approver: string;
  digest: string;
  decision: ApprovalDecision;
  comment: string | null;
  at: string;
}

/** `GET /promotions/{id}`. */
export interface PromotionDetailsResponse extends PromotionResponse {
  events: PromotionEventResponse[];
  approvals: ApprovalResponse[];
}

/** `GET /promotions`. */
export interface PromotionListResponse {
  items: PromotionResponse[];
  totalCount: number;
  nextCursor: string | null;
}

/** `POST /promotions/preview`. */
export interface PreviewResponse {
  entityRef: string;
  digest: string;
  sourceEnvironment: string;
  targetEnvironment: string;
  sourceTag: string | null;
  targetTag: string;
  isRollback: boolean;
  /** Every gate, the permission gate included, passes. */
  allowed: boolean;
  /** Approvals are all that is missing: a request would wait for them. */
  needsApproval: boolean;
  gates: GateResponse[];
}

/** The digest an environment runs now. */
export interface CurrentVersionResponse {
  digest: string;
  tag: string | null;
  since: string;
  by: string | null;
  promotionId: string | null;
}

/** A digest seen in an environment. */
export interface VersionResponse {
  digest: string;
  tags: string[];
  firstSeen: string;
  lastSeen: string;
  origin: VersionOrigin;
  promotionId: string | null;
}

/** A tag that moved without a promotion. */
export interface DriftEventResponse {
  id: string;
  entityRef: string;
  environment: string;
  tag: string;
  previousDigest: string;
  newDigest: string;
  detectedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

/** The rules for promotions into an environment, as a client shows them. */
export interface PolicySummaryResponse {
  approvals: number;
  approverGroups: string[];
  soakTimeMs: number;
  immutableTags: boolean;
  requirePreviousEnvironment: 'current' | 'present';
  allowSkip: boolean;
  /** The freeze window in force now, if any. */
  activeFreeze: {
    description: string;
    reason: string | null;
    endsAt: string;
  } | null;
}

/** One environment of `GET /entities/.../status`. */
export interface EnvironmentStatusResponse {
  id: string;
  title: string;
  registry: {
    name: string;
    type: 'registry' | 'oci-layout';
    repository: string;
    /** Where the image lives, without credentials. */
    location: string;
  };
  currentTag: string | null;
  current: CurrentVersionResponse | null;
  versions: VersionResponse[];
  openPromotion: PromotionResponse | null;
  drift: DriftEventResponse[];
  policy: PolicySummaryResponse;
}

/** `GET /entities/{namespace}/{kind}/{name}/status`. */
export interface EntityStatusResponse {
  entityRef: string;
  title: string | null;
  image: string;
  pipeline: string;
  environments: EnvironmentStatusResponse[];
}

/** How far an environment is behind the one before it. */
export interface BehindResponse {
  /** Versions of the previous environment newer than this environment's current one. */
  versions: number;
  /** Days between this environment's current version and the previous environment's, in the previous environment; null when unknown. */
  days: number | null;
}

/** Component-level state the overview filters on. */
export type OverviewStatus =
  | 'drift'
  | 'pending-approval'
  | 'failed'
  | 'behind'
  | 'in-sync';

/** One environment of one component in `GET /overview`. */
export interface OverviewEnvironmentResponse {
  id: string;
  title: string;
  current: CurrentVersionResponse | null;
  behind: BehindResponse | null;
  pendingApprovals: number;
  drift: number;
  lastFailedPromotion: {
    id: string;
    digest: string;
    failureReason: string | null;
    finishedAt: string | null;
  } | null;
}

/** One component in `GET /overview`. */
export interface OverviewItemResponse {
  entityRef: string;
  title: string | null;
  image: string;
  pipeline: string;
  owner: string | null;
  system: string | null;
  lifecycle: string | null;
  statuses: OverviewStatus[];
  environments: OverviewEnvironmentResponse[];
}

/** `GET /overview`. */
export interface OverviewResponse {
  items: OverviewItemResponse[];
  totalCount: number;
}

/** Median and 90th percentile of a set of durations, in hours. */
export interface DurationStatsResponse {
  count: number;
  medianHours: number | null;
  p90Hours: number | null;
}

/** `GET /metrics`. */
export interface MetricsResponse {
  since: string;
  until: string;
  deploymentFrequency: Array<{
    environment: string;
    total: number;
    /** ISO weeks (`2026-W48`) with at least one deployment, oldest first. */
    weeks: Array<{ week: string; count: number }>;
  }>;
  leadTime: DurationStatsResponse;
  rollbackRate: Array<{
    environment: string;
    promotions: number;
    rollbacks: number;
    rate: number;
  }>;
  approvalWait: DurationStatsResponse;
}

/** `POST /webhook/registry`. */
export interface WebhookResponse {
  refreshed: string[];
}
