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

import type { ChangeHeadline, ChangeSummary } from './changes';

// The JSON shapes of the image promotion REST API (under /api/image-promotion), shared by the
// backend (which builds them), the frontend (which reads them) and src/schema/openapi.yaml in the
// backend package (which documents them). Instants travel as ISO-8601 strings.

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
  | 'signatures'
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
  /** For a failed soak or freeze gate: when it passes by itself. */
  eligibleAt?: string;
}

/**
 * How far a promotion's copy has come; `bytesTotal` is null until the copy knows it.
 *
 * @public
 */
export interface PromotionProgress {
  bytesCopied: number;
  bytesTotal: number | null;
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
  /** User entity ref (or the service subject, for CI) that asked for it. */
  requestedBy: string;
  isRollback: boolean;
  /** The policy verdict recorded when the promotion was requested. */
  gates: GateResult[];
  /** Why it failed, in words a person can act on; null unless `failed`. */
  failureReason: string | null;
  progress: PromotionProgress;
  /** How many times a worker claimed the copy (more than one after a replica died mid-copy). */
  attempts: number;
  /**
   * When a promotion requested during a soak or a freeze window may start: the worker starts it
   * then (once approved), after checking the policy again. Exact to the millisecond; null when
   * no time gate held it at request time.
   */
  eligibleAt: string | null;
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
 * What the copy of a promotion did, from the copy engine's own count.
 *
 * @public
 */
export interface PromotionCopyFigures {
  manifests: number;
  /** Blobs of the image, and how each got into the target. */
  blobs: {
    total: number;
    /** Already in the target repository: nothing to do. */
    existing: number;
    /** Mounted from another repository of the same registry, without transfer. */
    mounted: number;
    /** Transferred from the source registry. */
    uploaded: number;
  };
  bytes: {
    total: number;
    /** Bytes that travelled from the source to the target. */
    transferred: number;
  };
  /** True when the target tag already had the digest and nothing was copied. */
  upToDate: boolean;
  durationMs: number;
}

/**
 * One end of a promotion: the environment and where its images live (never credentials).
 *
 * @public
 */
export interface PromotionEndpoint {
  environment: string;
  /** The environment's title in the pipeline; the id when the environment is no longer configured. */
  title: string;
  /** Null when the environment is no longer configured. */
  registry: EnvironmentRegistry | null;
}

/**
 * Why a promotion failed, in plain words.
 *
 * @public
 */
export interface PromotionFailure {
  /** A sentence naming the environment and the registry, e.g. `Copying into prod (registry.example.com/team-a/checkout) failed: …`. */
  message: string;
  /** The stored reason as the worker recorded it. */
  detail: string;
  environment: string;
  /** The registry location involved, when known. */
  registry: string | null;
}

/**
 * What the caller may do with a promotion now; the UI shows only these actions.
 *
 * @public
 */
export interface PromotionActions {
  /** Waiting for approval, the caller has the approve permission, is in the approver groups and is not the requester. */
  approve: boolean;
  reject: boolean;
  /** Not finished and the caller may promote the component. */
  cancel: boolean;
  /** Failed, rejected or cancelled and the caller may promote the component: `POST /promotions/:id/retry`. */
  retry: boolean;
}

/**
 * `GET /promotions/:id`: a promotion with its history, approvals and everything the detail
 * view shows. `requestedBy`, `reason` and `gates` (the verdict at request time) come from
 * {@link Promotion}; each approval or rejection carries its comment.
 *
 * @public
 */
export interface PromotionDetails extends Promotion {
  events: PromotionEvent[];
  approvals: PromotionApproval[];
  /** The component's title, when the catalog has one. */
  entityTitle: string | null;
  source: PromotionEndpoint;
  target: PromotionEndpoint;
  /** Approvals the target environment needs, and from which groups (empty: anyone allowed). */
  approvalsRequired: number;
  approverGroups: string[];
  /** Null until a copy finished (succeeded or found the target up to date). */
  copy: PromotionCopyFigures | null;
  /** Null unless `failed`. */
  failure: PromotionFailure | null;
  actions: PromotionActions;
  /** What the promotion changes, as compared when it was requested; null for older promotions. */
  changes: ChangeSummary | null;
}

/**
 * Body of `POST /promotions/:id/retry`: asks again for the same digest, source, target and tag.
 *
 * @public
 */
export interface RetryPromotionRequest {
  /** Defaults to the original request's reason. */
  reason?: string;
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
  /** The promotion that put it there; null when tracking discovered it. */
  promotionId: string | null;
  /**
   * Who approved that promotion, in the order they did; empty when it needed no approval or
   * tracking discovered the version. Given by the status endpoint only.
   */
  approvedBy?: string[];
}

/**
 * Why tracking could not read an environment's registry at its last try.
 *
 * @public
 */
export interface EnvironmentTrackingError {
  /** In words naming the registry, e.g. `the qa registry at registry.example.com refused the connection; check that it is running`. */
  message: string;
  /** When tracking last tried (and failed). */
  lastTriedAt: string;
  /** When this streak of failures began. */
  failingSince: string;
}

/**
 * The newest promotion into an environment, when it failed after the environment's current
 * version arrived.
 *
 * @public
 */
export interface EnvironmentFailure {
  promotionId: string;
  targetTag: string;
  failedAt: string;
  /** One sentence naming the environment and its registry; the promotion's details hold the full error. */
  message: string;
}

/**
 * A tag that moved to another digest without a promotion doing it.
 *
 * @public
 */
export interface DriftEvent {
  id: string;
  entityRef: string;
  environment: string;
  tag: string;
  previousDigest: string;
  newDigest: string;
  detectedAt: string;
  /** Null while the event is shown as unacknowledged drift. */
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** What the person who acknowledged it wrote (why the move is fine, or what they did about it). */
  acknowledgeComment: string | null;
}

/**
 * Body of `POST /drift/:id/acknowledge`.
 *
 * @public
 */
export interface DriftAcknowledgeRequest {
  comment?: string;
}

/**
 * `GET /entities/:namespace/:kind/:name/drift`: every drift event of a component, acknowledged
 * or not, newest first, for its history.
 *
 * @public
 */
export interface DriftHistory {
  items: DriftEvent[];
}

/**
 * A freeze window refusing promotions into an environment right now.
 *
 * @public
 */
export interface ActiveFreeze {
  /** The window in words, e.g. `weekly on Fri 16:00–23:59 (Europe/Berlin)`. */
  description: string;
  reason: string | null;
  endsAt: string;
}

/**
 * The policy for promotions into an environment, as a client shows it.
 *
 * @public
 */
export interface EnvironmentPolicySummary {
  /** Distinct approvers needed (never the requester). */
  approvals: number;
  /** Groups approvers must belong to; empty when anyone with the approve permission may. */
  approverGroups: string[];
  /** Minimum time the digest must have spent in the previous environment. */
  soakTimeMs: number;
  immutableTags: boolean;
  /** Whether the digest must be current in the previous environment, or only seen there. */
  requirePreviousEnvironment: 'current' | 'present';
  /** Whether promoting from an environment earlier than the previous one is allowed. */
  allowSkip: boolean;
  /** The freeze window in force now, if any. */
  activeFreeze: ActiveFreeze | null;
}

/**
 * Where an environment's images live; never holds credentials.
 *
 * @public
 */
export interface EnvironmentRegistry {
  /** Name of the configured registry. */
  name: string;
  type: 'registry' | 'oci-layout';
  /** Repository path inside the registry, e.g. `team-a/checkout`. */
  repository: string;
  /** The whole location in words, e.g. `registry.example.com/team-a/checkout`. */
  location: string;
}

/**
 * One environment of a component's pipeline, with what it runs and what could come next.
 *
 * @public
 */
export interface EnvironmentStatus {
  id: string;
  title: string;
  registry: EnvironmentRegistry;
  /** Tag that marks what runs in the environment, when configured. */
  currentTag: string | null;
  current: CurrentVersion | null;
  /** Versions seen in the environment, newest first. */
  versions: EnvironmentVersion[];
  /** The promotion into this environment that has not finished, if any. */
  openPromotion: Promotion | null;
  /** Unacknowledged drift events. */
  drift: DriftEvent[];
  policy: EnvironmentPolicySummary;
  /** Null when tracking read the environment's registry at its last try. */
  trackingError: EnvironmentTrackingError | null;
  /** Null unless the newest promotion into the environment failed after its current version arrived. */
  lastFailure: EnvironmentFailure | null;
}

/**
 * `GET /entities/:namespace/:kind/:name/status` (and `POST .../refresh`): a component's
 * environments in pipeline order.
 *
 * @public
 */
export interface EntityPromotionStatus {
  entityRef: string;
  title: string | null;
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
  /** A tag in the source environment, resolved to its digest. */
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
  entityRef: string;
  digest: string;
  sourceEnvironment: string;
  targetEnvironment: string;
  sourceTag: string | null;
  targetTag: string;
  isRollback: boolean;
  /** True when every gate, the permission gate included, passes: a request starts at once. */
  allowed: boolean;
  /** True when a request is accepted but waits for approvals (and maybe also for `eligibleAt`). */
  needsApproval: boolean;
  /**
   * True when a request is accepted now: it starts at once, or waits for approvals and/or for
   * `eligibleAt`. False when a gate other than approvals, soak or freeze fails, or permission lacks.
   */
  canRequest: boolean;
  /**
   * When the soak and freeze gates pass by themselves (the latest of their `eligibleAt`),
   * exact to the millisecond; null when neither holds the promotion back.
   */
  eligibleAt: string | null;
  gates: GateResult[];
  /** The target environment's current image compared with the candidate; null when the candidate could not be read. */
  changes: ChangeSummary | null;
  /** Why `changes` is null (a registry that did not answer in time, say); null otherwise. */
  changesProblem: string | null;
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
 * `GET /promotions`: a page of promotions.
 *
 * @public
 */
export interface PromotionPage {
  items: Promotion[];
  /** The stored change summary of each listed promotion that has one, by promotion id. */
  changes: Record<string, ChangeHeadline>;
  totalCount: number;
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
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
 * One promotion the signed-in user may approve, in `GET /approvals`.
 *
 * @public
 */
export interface ApprovalInboxItem {
  /** With the requester (`requestedBy`), the reason and the gates at request time. */
  promotion: Promotion;
  entityTitle: string | null;
  owner: string | null;
  targetEnvironmentTitle: string;
  sourceEnvironmentTitle: string;
  /** Distinct approvals the target environment needs. */
  approvalsRequired: number;
  /** Groups an approver must belong to; empty when anyone with the approve permission may. */
  approverGroups: string[];
  /** Decisions given so far (other approvers'), with their comments. */
  approvals: PromotionApproval[];
}

/**
 * Answer of `GET /approvals`: everything waiting for the caller's approval, across components,
 * oldest request first. Never the caller's own requests, never ones the caller already decided.
 *
 * @public
 */
export interface ApprovalInbox {
  items: ApprovalInboxItem[];
  totalCount: number;
}

/**
 * Signals channel on which the backend announces changes; subscribe with
 * `useSignal(IMAGE_PROMOTION_SIGNAL_CHANNEL)` from `@backstage/plugin-signals-react`.
 *
 * @public
 */
export const IMAGE_PROMOTION_SIGNAL_CHANNEL = 'image-promotion';

/**
 * A message on {@link IMAGE_PROMOTION_SIGNAL_CHANNEL}: something changed; refetch what shows it
 * through the API (which applies permissions). Published to every signed-in user, so it carries
 * references only, never reasons or comments.
 *
 * @public
 */
export type ImagePromotionSignal =
  | {
      type: 'promotion';
      promotionId: string;
      entityRef: string;
      targetEnvironment: string;
      status: PromotionStatus;
    }
  | {
      type: 'drift';
      driftId: string;
      entityRef: string;
      environment: string;
      /** False when found, true when someone acknowledged it. */
      acknowledged: boolean;
    };

/**
 * Component-level states the overview reports and filters on.
 *
 * @public
 */
export type OverviewStatus =
  | 'drift'
  | 'pending-approval'
  | 'failed'
  | 'unreadable'
  | 'behind'
  | 'in-sync';

/**
 * Query of `GET /overview`; every field narrows the items, several values of one field widen it.
 *
 * @public
 */
export interface OverviewQuery {
  /** Owner entity refs or names. */
  owner?: string[];
  system?: string[];
  lifecycle?: string[];
  status?: OverviewStatus[];
  /** Free text matched against the entity ref, title, image, owner and system. */
  q?: string;
  /** Page size (1 to 10,000); every matching row when absent. */
  limit?: number;
  /** Rows to skip, in entity ref order. */
  offset?: number;
}

/**
 * How far an environment is behind the previous one.
 *
 * @public
 */
export interface BehindSummary {
  /** Versions of the previous environment newer than this environment's current one. */
  versions: number;
  /** Days between this environment's current version and the previous one's, in the previous environment; null when unknown. */
  days: number | null;
}

/**
 * The newest finished promotion into an environment, when it failed.
 *
 * @public
 */
export interface OverviewFailedPromotion {
  id: string;
  digest: string;
  failureReason: string | null;
  finishedAt: string | null;
}

/**
 * One environment of one component in `GET /overview`.
 *
 * @public
 */
export interface OverviewEnvironment {
  id: string;
  title: string;
  current: CurrentVersion | null;
  /**
   * Tags of the current digest other than the environment's marker tag (`1.1.0` rather than
   * `prod`), sorted; empty when nothing runs or the digest has no other tag.
   */
  versionTags?: string[];
  /** Null for the first environment; zeros when in sync. */
  behind: BehindSummary | null;
  pendingApprovals: number;
  /** Unacknowledged drift events. */
  drift: number;
  lastFailedPromotion: OverviewFailedPromotion | null;
  /**
   * Null when tracking read the environment's registry at its last try; otherwise why it could
   * not, so that "—" is never shown for an environment whose registry cannot be read.
   */
  trackingError: EnvironmentTrackingError | null;
}

/**
 * One component in `GET /overview`.
 *
 * @public
 */
export interface OverviewItem {
  entityRef: string;
  title: string | null;
  image: string;
  pipeline: string;
  owner: string | null;
  system: string | null;
  lifecycle: string | null;
  /** Never empty: `in-sync` when nothing else applies. */
  statuses: OverviewStatus[];
  /** In pipeline order. */
  environments: OverviewEnvironment[];
}

/**
 * Answer of `GET /overview`.
 *
 * @public
 */
export interface OverviewResponse {
  items: OverviewItem[];
  totalCount: number;
}

/**
 * Median and 90th percentile of a set of durations in hours; null when `count` is 0.
 *
 * @public
 */
export interface DurationStats {
  count: number;
  medianHours: number | null;
  p90Hours: number | null;
}

/**
 * Successful promotions into one environment per ISO week.
 *
 * @public
 */
export interface DeploymentFrequency {
  environment: string;
  /** The environment's title in the configured pipelines. */
  title: string;
  total: number;
  /** ISO weeks (`2026-W48`) with at least one deployment, oldest first. */
  weeks: Array<{ week: string; count: number }>;
}

/**
 * Share of successful promotions into an environment that were rollbacks.
 *
 * @public
 */
export interface RollbackRate {
  environment: string;
  /** The environment's title in the configured pipelines. */
  title: string;
  promotions: number;
  rollbacks: number;
  /** rollbacks / promotions, 0..1. */
  rate: number;
}

/**
 * Answer of `GET /metrics?days=`.
 *
 * @public
 */
export interface DeliveryMetrics {
  /** The period, in days, ending at `until`. */
  days: number;
  since: string;
  until: string;
  deploymentFrequency: DeploymentFrequency[];
  /** From first seen in a pipeline's first environment to succeeded into its last. */
  leadTime: DurationStats;
  rollbackRate: RollbackRate[];
  /** From request to queued, for promotions that waited for approval. */
  approvalWait: DurationStats;
}

/**
 * Answer of `POST /webhook/registry`: the components refreshed.
 *
 * @public
 */
export interface RegistryWebhookResponse {
  refreshed: string[];
}
