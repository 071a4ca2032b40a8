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

export { createStores, storesFor } from './stores';
export type { ImagePromotionStores } from './stores';
export { ComponentStore } from './ComponentStore';
export { TagStore, tagStatesKey } from './TagStore';
export { DriftStore } from './DriftStore';
export { PromotionStore } from './PromotionStore';
export { ApprovalStore } from './ApprovalStore';
export type { WaitingPromotion } from './ApprovalStore';
export { PromotionQueue, MAX_PROMOTION_ATTEMPTS } from './PromotionQueue';
export { PromotionCopyFiguresStore } from './PromotionCopyFiguresStore';
export type { CopyFigures } from './PromotionCopyFiguresStore';
export { PromotionChangesStore } from './PromotionChangesStore';
export { chooseCurrent } from './currentVersion';
export { normalizeOwner, ownedBy, ownerSpellings } from './ownerRef';
export { EnvironmentStates, ReadModelQueries } from './ReadModelQueries';
export type {
  EntityEnvironmentStatus,
  EnvironmentRef,
  EnvironmentState,
} from './ReadModelQueries';
export { DuplicateApprovalError, OpenPromotionExistsError } from './errors';
export type * from './types';
export { AutoPromotionStore } from './AutoPromotionStore';
export type { AutoPromotionPause } from './AutoPromotionStore';
export { TrackingErrorStore } from './TrackingErrorStore';
export type { TrackingError, TrackingOutcome } from './TrackingErrorStore';
