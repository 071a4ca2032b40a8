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

import type { LoggerService } from '@backstage/backend-plugin-api';
import type { PromotionChangesStore } from '../database/PromotionChangesStore';
import type {
  ChangeComparison,
  ChangePreviewer,
  ChangeSubject,
} from './ChangePreviewer';

/**
 * Compares before a promotion is created and keeps the comparison with it.
 * Neither step can fail a request: a registry that cannot be read leaves the
 * promotion without a summary, and the reason in the log.
 */
export class PromotionChanges {
  constructor(
    private readonly deps: {
      previewer: ChangePreviewer;
      store: PromotionChangesStore;
      logger?: LoggerService;
    },
  ) {}

  /** The comparison a preview shows. */
  compare(
    subject: ChangeSubject,
    call: { signal?: AbortSignal; deadlineMs?: number } = {},
  ): Promise<ChangeComparison> {
    return this.deps.previewer.compare(subject, call);
  }

  /** Stores a comparison with the promotion it was made for. */
  async record(
    promotionId: string,
    comparison: ChangeComparison,
  ): Promise<void> {
    if (!comparison.summary) {
      this.deps.logger?.info(
        `Promotion ${promotionId} has no change summary: ${comparison.problem}`,
      );
      return;
    }
    try {
      await this.deps.store.record(promotionId, comparison.summary);
    } catch (error) {
      this.deps.logger?.warn(
        `Could not store the change summary of promotion ${promotionId}: ${error}`,
      );
    }
  }
}
