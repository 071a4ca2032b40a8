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

/**
 * `requestedBy` of a promotion the plugin queued itself because the environment before the
 * target got a new version and the target has `autoPromote: true`.
 *
 * @public
 */
export const AUTO_PROMOTION_REQUESTER = 'auto-promotion';

/**
 * True when the plugin itself started a promotion (auto-promotion), not a person or CI.
 *
 * @public
 */
export function isAutoPromotion(promotion: { requestedBy: string }): boolean {
  return promotion.requestedBy === AUTO_PROMOTION_REQUESTER;
}

/**
 * `GET /entities/:namespace/:kind/:name/auto-promotion` (and the answer of `PUT`): which
 * environments of a component's pipeline promote by themselves, and whether its owners paused it.
 *
 * @public
 */
export interface AutoPromotionState {
  entityRef: string;
  /** Ids of the environments with `autoPromote: true`, in pipeline order; empty when none. */
  environments: string[];
  paused: boolean;
  /** Who paused it; null unless paused. */
  pausedBy: string | null;
  pausedAt: string | null;
  reason: string | null;
}

/**
 * Body of `PUT /entities/:namespace/:kind/:name/auto-promotion`.
 *
 * @public
 */
export interface AutoPromotionUpdate {
  paused: boolean;
  /** Why it is paused, for the others on the team. */
  reason?: string;
}
