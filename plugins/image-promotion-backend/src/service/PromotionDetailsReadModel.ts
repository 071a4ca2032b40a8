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
  PromotionDetails,
  PromotionEndpoint,
} from '@image-promotion/plugin-image-promotion-common';
import type { ImagePromotionConfig } from '../config';
import type {
  ImagePromotionStores,
  Promotion,
  TrackedComponent,
} from '../database';
import { TERMINAL_STATUSES, type Environment } from '../domain/types';
import type { Actor } from '../promotion/PromotionService';
import type { RegistryAccess } from '../registry/RegistryAccess';
import { mayDecide } from './approverEligibility';
import { describeFailure } from '../promotion/describeFailure';
import {
  toApprovalResponse,
  toPromotionEventResponse,
  toPromotionResponse,
} from './mappers';

/** What the caller may do with the component, from the permission framework. */
export interface DetailPermissions {
  promote: boolean;
  approve: boolean;
}

/**
 * A promotion's detail view: who asked and why, who decided and what they
 * wrote, the gates at request time, what the copy did, why it failed (in
 * words naming environment and registry) and what the caller may do next.
 */
export class PromotionDetailsReadModel {
  constructor(
    private readonly deps: {
      config: ImagePromotionConfig;
      stores: Pick<
        ImagePromotionStores,
        'components' | 'promotions' | 'approvals' | 'copyFigures' | 'changes'
      >;
      access: RegistryAccess;
    },
  ) {}

  private endpoint(
    component: TrackedComponent | undefined,
    environment: Environment | undefined,
    id: string,
  ): PromotionEndpoint {
    if (!component || !environment) {
      return { environment: id, title: id, registry: null };
    }
    const { access, config } = this.deps;
    let registry: PromotionEndpoint['registry'] = null;
    try {
      registry = {
        name: environment.registry,
        type: config.registries.get(environment.registry)?.type ?? 'registry',
        repository: access.repositoryPath(
          environment,
          component.image,
          component.entityRef,
        ),
        location: access.describe(
          environment,
          component.image,
          component.entityRef,
        ),
      };
    } catch {
      // A repository template that no longer expands leaves the registry unknown.
    }
    return { environment: id, title: environment.title, registry };
  }

  async details(
    promotion: Promotion,
    actor: Actor,
    permissions: DetailPermissions,
  ): Promise<PromotionDetails> {
    const { stores } = this.deps;
    const [events, approvals, component, figures, changes] = await Promise.all([
      stores.promotions.listPromotionEvents(promotion.id),
      stores.approvals.listApprovals(promotion.id),
      stores.components.getComponent(promotion.entityRef),
      stores.copyFigures.get(promotion.id),
      stores.changes.get(promotion.id),
    ]);
    const pipeline = component
      ? this.deps.config.pipelines.get(component.pipeline)
      : undefined;
    const find = (id: string) => pipeline?.environments.find(e => e.id === id);
    const sourceEnv = find(promotion.sourceEnvironment);
    const targetEnv = find(promotion.targetEnvironment);
    const source = this.endpoint(
      component,
      sourceEnv,
      promotion.sourceEnvironment,
    );
    const target = this.endpoint(
      component,
      targetEnv,
      promotion.targetEnvironment,
    );
    const groups = targetEnv?.policy.approverGroups ?? [];
    const decide =
      permissions.approve && mayDecide(promotion, approvals, actor, groups);
    const finished = TERMINAL_STATUSES.includes(promotion.status);
    return {
      ...toPromotionResponse(promotion),
      events: events.map(toPromotionEventResponse),
      approvals: approvals.map(toApprovalResponse),
      entityTitle: component?.title ?? null,
      source,
      target,
      approvalsRequired: targetEnv?.policy.approvals ?? 0,
      approverGroups: groups,
      copy: figures
        ? {
            manifests: figures.manifests,
            blobs: figures.blobs,
            bytes: figures.bytes,
            upToDate: figures.upToDate,
            durationMs: figures.durationMs,
          }
        : null,
      failure: describeFailure(promotion, {
        sourceTitle: source.title,
        sourceLocation: source.registry?.location ?? null,
        targetTitle: target.title,
        targetLocation: target.registry?.location ?? null,
      }),
      actions: {
        approve: decide,
        reject: decide,
        cancel: !finished && permissions.promote,
        retry:
          ['failed', 'rejected', 'cancelled'].includes(promotion.status) &&
          permissions.promote,
      },
      changes: changes ?? null,
    };
  }
}
