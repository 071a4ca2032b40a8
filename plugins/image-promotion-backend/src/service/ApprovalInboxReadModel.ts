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

import type {
  ApprovalInbox,
  ApprovalInboxItem,
} from '@image-promotion/plugin-image-promotion-common';
import type { ImagePromotionConfig } from '../config';
import type { ImagePromotionStores } from '../database';
import type { Actor } from '../promotion/PromotionService';
import { mayDecide } from './approverEligibility';
import { toApprovalResponse, toPromotionResponse } from './mappers';

/**
 * The approvals inbox: every promotion waiting for approval that the caller
 * may decide on, across components, oldest request first.
 */
export class ApprovalInboxReadModel {
  constructor(
    private readonly deps: {
      config: ImagePromotionConfig;
      stores: Pick<ImagePromotionStores, 'components' | 'approvals'>;
    },
  ) {}

  /**
   * @param mayApprove - of some components, the ones the caller has the approve permission on
   */
  async inbox(
    actor: Actor,
    mayApprove: (entityRefs: string[]) => Promise<Set<string>>,
  ): Promise<ApprovalInbox> {
    const waiting = await this.deps.stores.approvals.listWaiting();
    const refs = [...new Set(waiting.map(w => w.promotion.entityRef))];
    const [allowed, components] = await Promise.all([
      mayApprove(refs),
      refs.length
        ? this.deps.stores.components.listComponents({ entityRefs: refs })
        : Promise.resolve([]),
    ]);
    const byRef = new Map(components.map(c => [c.entityRef, c]));
    const items: ApprovalInboxItem[] = [];
    for (const { promotion, approvals } of waiting) {
      if (!allowed.has(promotion.entityRef)) continue;
      const component = byRef.get(promotion.entityRef);
      const pipeline = component
        ? this.deps.config.pipelines.get(component.pipeline)
        : undefined;
      const target = pipeline?.environments.find(
        e => e.id === promotion.targetEnvironment,
      );
      const source = pipeline?.environments.find(
        e => e.id === promotion.sourceEnvironment,
      );
      const groups = target?.policy.approverGroups ?? [];
      if (!mayDecide(promotion, approvals, actor, groups)) continue;
      items.push({
        promotion: toPromotionResponse(promotion),
        entityTitle: component?.title ?? null,
        owner: component?.owner ?? null,
        targetEnvironmentTitle: target?.title ?? promotion.targetEnvironment,
        sourceEnvironmentTitle: source?.title ?? promotion.sourceEnvironment,
        approvalsRequired: target?.policy.approvals ?? 0,
        approverGroups: groups,
        approvals: approvals.map(toApprovalResponse),
      });
    }
    return { items, totalCount: items.length };
  }
}
