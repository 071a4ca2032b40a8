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

import type { DriftEvent, Promotion } from '../database';
import type { PromotionStatus } from '../domain/types';

/** What happened to a promotion, for the people around it. */
export interface PromotionChange {
  promotion: Promotion;
  /** Null when the promotion was just created. */
  previous: PromotionStatus | null;
  /** Who caused it: a user entity ref, a service subject or a worker id. */
  actor: string;
  /**
   * An approval just recorded; the status changed only if it was the last one
   * needed. `approvers`: everyone who has approved this digest so far, this
   * approver included; `required`: how many distinct approvers the target needs.
   */
  approval?: {
    approver: string;
    comment: string | null;
    approvers: string[];
    required: number;
  };
  /** A rejection's comment. */
  comment?: string | null;
}

/**
 * Told about every change the people around a promotion care about. Calls
 * never throw and never wait for delivery: a notification that cannot be sent
 * must not fail a promotion.
 */
export interface PromotionListener {
  promotionChanged(change: PromotionChange): void;
  driftFound(events: DriftEvent[]): void;
  driftAcknowledged(event: DriftEvent): void;
}

/** A listener that tells nobody (tests, tools). */
export const silentListener: PromotionListener = {
  promotionChanged: () => {},
  driftFound: () => {},
  driftAcknowledged: () => {},
};

/** One listener that tells each of `listeners`, in order. */
export function combineListeners(
  ...listeners: PromotionListener[]
): PromotionListener {
  return {
    promotionChanged: change =>
      listeners.forEach(l => l.promotionChanged(change)),
    driftFound: events => listeners.forEach(l => l.driftFound(events)),
    driftAcknowledged: event =>
      listeners.forEach(l => l.driftAcknowledged(event)),
  };
}
