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

import { Knex } from 'knex';
import type { PromotionStatus } from '../domain/types';
import type { PromotionEventRow, PromotionLockRow } from './rows';
import { isTerminal } from './storeUtils';

/** The statuses in which a replica holds a lease and copies. */
export const EXECUTING_STATUSES: PromotionStatus[] = ['copying', 'verifying'];

/** One status change of a promotion, as its history keeps it. */
export interface TransitionEvent {
  id: string;
  from: PromotionStatus;
  to: PromotionStatus;
  actor: string;
  message: string | null;
  now: Date;
}

/**
 * Records a status change that `tx` just made in the promotion's history;
 * a terminal status releases the component's environment for the next
 * promotion. Shared by the promotion store and the execution queue, which
 * both move promotions.
 */
export async function recordTransition(
  tx: Knex.Transaction,
  event: TransitionEvent,
): Promise<void> {
  await tx<PromotionEventRow>('promotion_events').insert({
    promotion_id: event.id,
    from_status: event.from,
    to_status: event.to,
    actor: event.actor,
    message: event.message,
    at: event.now,
  });
  if (isTerminal(event.to)) {
    await tx<PromotionLockRow>('promotion_locks')
      .where({ promotion_id: event.id })
      .delete();
  }
}
