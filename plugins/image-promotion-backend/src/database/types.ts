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

/** A catalog component tracked by the plugin, with the fields the overview filters on. */
export interface TrackedComponent {
  entityRef: string;
  image: string;
  pipeline: string;
  tagPattern: string | null;
  title: string | null;
  owner: string | null;
  system: string | null;
  lifecycle: string | null;
  updatedAt: Date;
}

/** Input of `upsertComponents`; `updatedAt` defaults to now. */
export type TrackedComponentInput = Omit<
  TrackedComponent,
  'tagPattern' | 'title' | 'owner' | 'system' | 'lifecycle' | 'updatedAt'
> & {
  tagPattern?: string | null;
  title?: string | null;
  owner?: string | null;
  system?: string | null;
  lifecycle?: string | null;
  updatedAt?: Date;
};

/** Filter of `listComponents`; each set field must match one of its values. */
export interface ComponentFilter {
  entityRefs?: string[];
  owner?: string[];
  system?: string[];
  lifecycle?: string[];
  pipeline?: string[];
}

/** How a version got into an environment. */
export type VersionOrigin = 'discovered' | 'promotion';

/** A digest seen in an environment. */
export interface ImageVersion {
  entityRef: string;
  environment: string;
  digest: string;
  /** Tags pointing to the digest now, sorted. */
  tags: string[];
  firstSeen: Date;
  lastSeen: Date;
  origin: VersionOrigin;
  promotionId: string | null;
}

/** A tag and the digest it resolved to. */
export interface ObservedTag {
  tag: string;
  digest: string;
}

/** What we believe a tag points to. */
export interface TagState {
  entityRef: string;
  environment: string;
  tag: string;
  digest: string;
  /** When the tag started pointing to this digest. */
  since: Date;
  promotionId: string | null;
}

/** A tag that moved to another digest without a promotion doing it. */
export interface DriftEvent {
  id: string;
  entityRef: string;
  environment: string;
  tag: string;
  previousDigest: string;
  newDigest: string;
  detectedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  /** What the person who acknowledged it wrote. */
  acknowledgeComment: string | null;
}

/** Input of `applyTagSnapshot`: every tag of one environment's repository, as just listed. */
export interface TagSnapshot {
  entityRef: string;
  environment: string;
  observed: ObservedTag[];
  /** When the listing started; tags recorded after it (by a promotion) are left alone. Defaults to `now`. */
  observedAt?: Date;
  now?: Date;
  /** Tags expected to move outside promotions (e.g. the first environment's current tag, pushed by CI); their moves are not drift. */
  movableTags?: string[];
}

/** Result of `applyTagSnapshot`. */
export interface TagSnapshotResult {
  /** Digests seen in the environment for the first time. */
  newDigests: string[];
  driftEvents: DriftEvent[];
}

/** The digest an environment is on now. */
export interface CurrentVersion {
  digest: string;
  tag: string | null;
  since: Date;
  /** Who requested the promotion that put it there, if a promotion did. */
  by: string | null;
  promotionId: string | null;
}

/** A promotion of one digest into one environment. */
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
  requestedBy: string;
  isRollback: boolean;
  gateResults: GateResult[];
  failureReason: string | null;
  bytesTotal: number | null;
  bytesCopied: number;
  attempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** A queued promotion is not claimed before this instant (its soak or freeze window ends). */
  eligibleAt: Date | null;
}

/** Input of `createPromotion`. */
export interface NewPromotion {
  entityRef: string;
  sourceEnvironment: string;
  targetEnvironment: string;
  digest: string;
  sourceTag?: string | null;
  targetTag: string;
  reason?: string | null;
  /** Where the promotion starts: waiting for approvals, or straight into the queue. */
  status: Extract<PromotionStatus, 'pending_approval' | 'queued'>;
  requestedBy: string;
  isRollback?: boolean;
  gateResults?: GateResult[];
  /** When the soak or freeze gates pass by themselves; the worker waits until then. */
  eligibleAt?: Date | null;
  now?: Date;
}

/** Filter and page of `listPromotions`, newest first. */
export interface PromotionQuery {
  entityRef?: string;
  /** Target environment. */
  environment?: string;
  status?: PromotionStatus[];
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`; takes precedence over `offset`. */
  cursor?: string;
  offset?: number;
}

/** A page of promotions. */
export interface PromotionPage {
  items: Promotion[];
  totalCount: number;
  nextCursor: string | undefined;
}

/** Input of `transition`. */
export interface PromotionTransition {
  /** Statuses the promotion must be in for the change to apply. */
  from: PromotionStatus[];
  to: PromotionStatus;
  actor: string;
  message?: string;
  failureReason?: string;
  now?: Date;
}

/** One stored status change; `fromStatus` is null for the creation. */
export interface PromotionEvent {
  id: number;
  promotionId: string;
  fromStatus: PromotionStatus | null;
  toStatus: PromotionStatus;
  actor: string;
  message: string | null;
  at: Date;
}

/** An approver's decision. */
export type ApprovalDecision = 'approved' | 'rejected';

/** An approval or rejection, bound to the digest the approver saw. */
export interface Approval {
  promotionId: string;
  approver: string;
  digest: string;
  decision: ApprovalDecision;
  comment: string | null;
  at: Date;
}

/** Input of `addApproval`. */
export type NewApproval = Omit<Approval, 'comment' | 'at'> & {
  comment?: string | null;
  at?: Date;
};

/** Input of `claimNextPromotion`. */
export interface ClaimOptions {
  /** Identifies the replica, e.g. hostname and pid. */
  owner: string;
  leaseMs: number;
  now?: Date;
  /**
   * Told about each promotion the claim failed because every attempt ended
   * with its lease expiring (status before: copying or verifying), so the
   * people around it hear of the failure like any other.
   */
  onGaveUp?: (promotionId: string, previous: PromotionStatus) => Promise<void>;
}

/** Statuses a worker finishes a promotion with. */
export type CompletionStatus = Extract<PromotionStatus, 'succeeded' | 'failed'>;

/** When a promotion waiting for approval was released into the queue. */
export interface ApprovalWait {
  promotionId: string;
  entityRef: string;
  targetEnvironment: string;
  createdAt: Date;
  queuedAt: Date;
}

/** When a digest was first seen in an environment. */
export interface FirstSeen {
  entityRef: string;
  environment: string;
  digest: string;
  firstSeen: Date;
}
