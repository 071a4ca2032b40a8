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

// The JSON shapes of the image promotion REST API (under /api/image-promotion).
// Instants travel as ISO-8601 strings; the backend converts its Dates when it answers.

/**
 * The states of a promotion: `pending_approval → queued → copying → verifying → succeeded`,
 * or `rejected`, `cancelled`, `failed`.
 *
 * @public
 */
export type PromotionStatus =
  | 'pending_approval'
  | 'queued'
  | 'copying'
  | 'verifying'
  | 'succeeded'
  | 'failed'
  | 'rejected'
  | 'cancelled';

/**
 * The states a promotion never leaves.
 *
 * @public
 */
export const TERMINAL_PROMOTION_STATUSES: readonly PromotionStatus[] = [
  'succeeded',
  'failed',
  'rejected',
  'cancelled',
];

/**
 * The policy gates a promotion passes through.
 *
 * @public
 */
export type PolicyGateName =
  | 'order'
  | 'approvals'
  | 'soak'
  | 'freeze'
  | 'immutable-tag'
  | 'permission';

/**
 * One policy gate's verdict, with a sentence a person can act on.
 *
 * @public
 */
export interface GateResult {
  gate: PolicyGateName;
  passed: boolean;
  message: string;
}

/**
 * A promotion of one digest into one environment.
 *
 * @public
 */
export interface Promotion {
  id: string;
  entityRef: string;
  sourceEnvironment: string;
  targetEnvironment: string;
  digest: string;
  sourceTag: string | null;
  targetTag: string;
  reason: string | null;
  status: PromotionStatus;
  /** User entity ref (or service principal) that asked for it. */
  requestedBy: string;
  isRollback: boolean;
  gateResults: GateResult[];
  /** Why it failed, in words a person can act on; null unless `failed`. */
  failureReason: string | null;
  /** Bytes the copy has to move, once known. */
  bytesTotal: number | null;
  bytesCopied: number;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * One stored status change of a promotion; `fromStatus` is null for the creation.
 *
 * @public
 */
export interface PromotionEvent {
  id: number;
  promotionId: string;
  fromStatus: PromotionStatus | null;
  toStatus: PromotionStatus;
  actor: string;
  message: string | null;
  at: string;
}

/**
 * An approver's decision, bound to the digest the approver saw.
 *
 * @public
 */
export interface PromotionApproval {
  promotionId: string;
  approver: string;
  digest: string;
  decision: 'approved' | 'rejected';
  comment: string | null;
  at: string;
}

/**
 * A promotion with its history and approvals, as `GET /promotions/:id` may return it.
 *
 * @public
 */
export interface PromotionDetails extends Promotion {
  events?: PromotionEvent[];
  approvals?: PromotionApproval[];
}

/**
 * How a version got into an environment.
 *
 * @public
 */
export type VersionOrigin = 'discovered' | 'promotion';

/**
 * A digest seen in an environment.
 *
 * @public
 */
export interface EnvironmentVersion {
  digest: string;
  /** Tags pointing to the digest now, sorted. */
  tags: string[];
  firstSeen: string;
  lastSeen: string;
  origin: VersionOrigin;
  promotionId: string | null;
}

/**
 * The digest an environment is on now.
 *
 * @public
 */
export interface CurrentVersion {
  digest: string;
  tag: string | null;
  /** Since when the environment is on this digest. */
  since: string;
  /** Who requested the promotion that put it there; null when tracking discovered it. */
  by: string | null;
}

/**
 * A tag that moved to another digest without a promotion doing it, not yet acknowledged.
 *
 * @public
 */
export interface DriftEventSummary {
  id: string;
  tag: string;
  previousDigest: string;
  newDigest: string;
  detectedAt: string;
}

/**
 * The policy for promotions into an environment, as far as the UI shows it.
 *
 * @public
 */
export interface EnvironmentPolicySummary {
  /** Distinct approvers needed. */
  approvals: number;
  /** Minimum time the digest must have spent in the previous environment. */
  soakTimeMs: number;
  immutableTags: boolean;
  /** Present while a freeze window refuses promotions into the environment. */
  activeFreeze?: { reason: string | null; endsAt: string | null };
}

/**
 * One environment of a component's pipeline, with what it runs and what could come next.
 *
 * @public
 */
export interface EnvironmentStatus {
  id: string;
  title: string;
  /** Where the images live, e.g. `registry.example.com/team-a/checkout`; never holds credentials. */
  location: string;
  /** Tag that marks what runs in the environment, when configured. */
  currentTag: string | null;
  current: CurrentVersion | null;
  /** Versions seen in the environment, newest first. */
  versions: EnvironmentVersion[];
  /** The promotion into this environment that has not finished, if any. */
  openPromotion: Promotion | null;
  drift: DriftEventSummary[];
  policy: EnvironmentPolicySummary;
}

/**
 * `GET /entities/:namespace/:kind/:name/status`: a component's environments in pipeline order.
 *
 * @public
 */
export interface EntityPromotionStatus {
  entityRef: string;
  image: string;
  pipeline: string;
  environments: EnvironmentStatus[];
}

/**
 * Body of `POST /promotions/preview`; give `digest` or `sourceTag`.
 *
 * @public
 */
export interface PromotionPreviewRequest {
  entityRef: string;
  targetEnvironment: string;
  /** Defaults to the environment before the target. */
  sourceEnvironment?: string;
  digest?: string;
  sourceTag?: string;
  /** Defaults to the source tag. */
  targetTag?: string;
}

/**
 * Body of `POST /promotions`.
 *
 * @public
 */
export interface CreatePromotionRequest extends PromotionPreviewRequest {
  reason?: string;
}

/**
 * Answer of `POST /promotions/preview`: what a request would do and every gate's verdict.
 *
 * @public
 */
export interface PromotionPreview {
  digest: string;
  sourceEnvironment: string;
  targetEnvironment: string;
  targetTag: string;
  isRollback: boolean;
  /** True when no gate fails. */
  allowed: boolean;
  /** True when approvals are the only thing missing: a request waits for them. */
  needsApproval: boolean;
  gates: GateResult[];
}

/**
 * Query of `GET /promotions`, newest first.
 *
 * @public
 */
export interface PromotionListQuery {
  entityRef?: string;
  /** Target environment. */
  environment?: string;
  status?: PromotionStatus[];
  limit?: number;
  cursor?: string;
}

/**
 * A page of `GET /promotions`.
 *
 * @public
 */
export interface PromotionPage {
  items: Promotion[];
  totalCount: number;
  nextCursor?: string;
}

/**
 * Body of `POST /promotions/:id/approve` and `/reject`.
 *
 * @public
 */
export interface PromotionDecisionRequest {
  comment?: string;
}

/**
 * What the overview's status filter selects.
 *
 * @public
 */
export type OverviewStatusFilter =
  | 'pending_approval'
  | 'drift'
  | 'failed'
  | 'behind'
  | 'in_sync';

/**
 * Query of `GET /overview`; every field narrows the rows.
 *
 * @public
 */
export interface OverviewQuery {
  owner?: string;
  system?: string;
  lifecycle?: string;
  status?: OverviewStatusFilter;
  /** Free text matched against the component ref, title and image. */
  q?: string;
}

/**
 * One environment of an overview row.
 *
 * @public
 */
export interface OverviewEnvironment {
  id: string;
  title: string;
  current: { digest: string; tag: string | null; since: string } | null;
  /**
   * How far this environment is behind the previous one: versions the previous environment
   * got after this environment's current one, and days since the oldest of them arrived there.
   * Null for the first environment; zeros when in sync.
   */
  behind: { versions: number; days: number } | null;
}

/**
 * A failed promotion, as the overview shows it.
 *
 * @public
 */
export interface OverviewFailure {
  promotionId: string;
  targetEnvironment: string;
  failureReason: string | null;
  finishedAt: string | null;
}

/**
 * One component of the overview.
 *
 * @public
 */
export interface OverviewRow {
  entityRef: string;
  title: string | null;
  owner: string | null;
  system: string | null;
  lifecycle: string | null;
  image: string;
  pipeline: string;
  /** In pipeline order. */
  environments: OverviewEnvironment[];
  pendingApprovals: number;
  /** Unacknowledged drift events. */
  drift: number;
  /** The latest promotion of the component, when it failed. */
  lastFailed: OverviewFailure | null;
}

/**
 * Answer of `GET /overview`.
 *
 * @public
 */
export interface OverviewResponse {
  items: OverviewRow[];
}

/**
 * Deployments into one environment per week.
 *
 * @public
 */
export interface DeploymentFrequency {
  environment: string;
  title?: string;
  /** Weeks oldest first, each starting on a Monday (UTC date `YYYY-MM-DD`). */
  weeks: Array<{ weekStart: string; count: number }>;
}

/**
 * A duration distribution in hours; null when there were no samples.
 *
 * @public
 */
export interface DurationStats {
  medianHours: number | null;
  p90Hours: number | null;
  samples: number;
}

/**
 * Share of successful promotions into an environment that were rollbacks.
 *
 * @public
 */
export interface RollbackRate {
  environment: string;
  title?: string;
  promotions: number;
  rollbacks: number;
  /** rollbacks / promotions, 0..1; 0 when there were no promotions. */
  rate: number;
}

/**
 * Answer of `GET /metrics?days=`.
 *
 * @public
 */
export interface DeliveryMetrics {
  days: number;
  since: string;
  until: string;
  deploymentFrequency: DeploymentFrequency[];
  /** From first seen in the first environment to succeeded in the last one. */
  leadTime: DurationStats & { environment: string };
  rollbackRate: RollbackRate[];
  /** From request to the last approval. */
  approvalWait: DurationStats;
}
