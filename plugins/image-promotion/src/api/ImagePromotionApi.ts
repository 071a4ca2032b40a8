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

import { createApiRef } from '@backstage/core-plugin-api';
import type {
  ApprovalInbox,
  AutoPromotionState,
  AutoPromotionUpdate,
  CreatePromotionRequest,
  DeliveryMetrics,
  DriftEvent,
  DriftHistory,
  EntityPromotionStatus,
  OverviewQuery,
  OverviewResponse,
  Promotion,
  PromotionDecisionRequest,
  PromotionDetails,
  PromotionListQuery,
  PromotionPage,
  PromotionPreview,
  PromotionPreviewRequest,
} from '@image-promotion/plugin-image-promotion-common';

/**
 * Client of the image promotion REST API. Failed requests reject with a
 * `ResponseError` from `@backstage/errors`, whose `cause.message` is the backend's message.
 *
 * @public
 */
export interface ImagePromotionApi {
  /** Environments, versions, open promotions and drift of one component. */
  getStatus(entityRef: string): Promise<EntityPromotionStatus>;
  /** Re-reads the component's registries now and answers the new status. */
  refresh(entityRef: string): Promise<EntityPromotionStatus>;
  /** Dry-runs the policy for a promotion, without side effects. */
  previewPromotion(request: PromotionPreviewRequest): Promise<PromotionPreview>;
  /** Requests a promotion; it starts queued or waiting for approval. */
  createPromotion(request: CreatePromotionRequest): Promise<Promotion>;
  getPromotion(id: string): Promise<PromotionDetails>;
  listPromotions(query: PromotionListQuery): Promise<PromotionPage>;
  approvePromotion(
    id: string,
    decision?: PromotionDecisionRequest,
  ): Promise<Promotion>;
  rejectPromotion(
    id: string,
    decision?: PromotionDecisionRequest,
  ): Promise<Promotion>;
  cancelPromotion(id: string): Promise<Promotion>;
  /** Requests a failed, rejected or cancelled promotion again: same digest, source, target and tag. */
  retryPromotion(id: string, options?: { reason?: string }): Promise<Promotion>;
  /** Everything the signed-in user may approve, across components, oldest request first. */
  getApprovalInbox(): Promise<ApprovalInbox>;
  /** Marks a drift event as seen, with what the person wrote; answers who acknowledged it and when. */
  acknowledgeDrift(
    id: string,
    options?: { comment?: string },
  ): Promise<DriftEvent>;
  /** Every drift event of a component, acknowledged or not, newest first. */
  getDriftHistory(entityRef: string): Promise<DriftHistory>;
  /** Which environments promote by themselves, and whether the component's owners paused it. */
  getAutoPromotion(entityRef: string): Promise<AutoPromotionState>;
  /** Pauses (cancelling waiting auto-promotions) or resumes auto-promotion of a component. */
  setAutoPromotion(
    entityRef: string,
    update: AutoPromotionUpdate,
  ): Promise<AutoPromotionState>;
  /** Every tracked component × environment. */
  getOverview(query?: OverviewQuery): Promise<OverviewResponse>;
  /** Delivery metrics over the last `days` days (default 90), of the given owners' components only when given. */
  getMetrics(options?: {
    days?: number;
    owner?: string[];
  }): Promise<DeliveryMetrics>;
}

/**
 * Reference to the {@link ImagePromotionApi}.
 *
 * @public
 */
export const imagePromotionApiRef = createApiRef<ImagePromotionApi>({
  id: 'plugin.image-promotion.service',
});
