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
  CreatePromotionRequest,
  DeliveryMetrics,
  DriftEvent,
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
  /** Marks a drift event as seen; answers it with who acknowledged it and when. */
  acknowledgeDrift(id: string): Promise<DriftEvent>;
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
