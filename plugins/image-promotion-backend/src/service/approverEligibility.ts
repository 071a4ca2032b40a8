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

import type { Approval, Promotion } from '../database';
import type { Actor } from '../promotion/PromotionService';

// Entity refs compare case-insensitively, as the catalog does.
function key(ref: string): string {
  return ref.trim().toLocaleLowerCase('en-US');
}

/**
 * Whether `actor` may still decide on a promotion, permission aside: it waits
 * for approval, they did not request it (four-eyes), they belong to one of the
 * approver groups when the environment names any, and they have not decided yet.
 */
export function mayDecide(
  promotion: Promotion,
  approvals: readonly Approval[],
  actor: Actor,
  approverGroups: readonly string[],
): boolean {
  if (promotion.status !== 'pending_approval') return false;
  const me = key(actor.userEntityRef);
  if (key(promotion.requestedBy) === me) return false;
  if (approvals.some(a => key(a.approver) === me)) return false;
  if (approverGroups.length === 0) return true;
  const owned = new Set(actor.ownershipEntityRefs.map(key));
  return approverGroups.some(group => owned.has(key(group)));
}
