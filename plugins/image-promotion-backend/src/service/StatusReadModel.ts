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

import { NotFoundError } from '@backstage/errors';
import type { ImagePromotionConfig } from '../config';
import type {
  EntityEnvironmentStatus,
  ImagePromotionStores,
  ReadModelQueries,
  TrackedComponent,
  TrackingError,
  TrackingErrorStore,
} from '../database';
import type { Environment } from '../domain/types';
import { activeFreezeWindows, describeFreezeWindow } from '../policy';
import { summarizeFailure } from '../promotion/describeFailure';
import type { RegistryAccess } from '../registry/RegistryAccess';
import type {
  EntityPromotionStatus,
  EnvironmentFailure,
  EnvironmentPolicySummary,
  EnvironmentStatus,
} from '@image-promotion/plugin-image-promotion-common';
import {
  toCurrentResponse,
  toDriftResponse,
  toPromotionResponse,
  toVersionResponse,
  toTrackingErrorResponse,
} from './mappers';

/** Summarises an environment's policy, with the freeze window in force at `now`. */
export function summarizePolicy(
  environment: Environment,
  now: Date,
): EnvironmentPolicySummary {
  const { policy } = environment;
  const active = activeFreezeWindows(policy.freezeWindows, now).sort(
    (a, b) => b.endsAt.getTime() - a.endsAt.getTime(),
  )[0];
  return {
    approvals: policy.approvals,
    approverGroups: policy.approverGroups,
    soakTimeMs: policy.soakTimeMs,
    immutableTags: policy.immutableTags,
    requirePreviousEnvironment: policy.requirePreviousEnvironment,
    allowSkip: policy.allowSkip,
    activeFreeze: active
      ? {
          description: describeFreezeWindow(active.window),
          reason: active.window.reason ?? null,
          endsAt: active.endsAt.toISOString(),
        }
      : null,
  };
}

/**
 * Assembles `GET /entities/.../status`: every environment of a component, in
 * pipeline order, from six statements however many environments there are.
 */
export class StatusReadModel {
  constructor(
    private readonly deps: {
      stores: Pick<ImagePromotionStores, 'components'>;
      readModels: ReadModelQueries;
      config: ImagePromotionConfig;
      access: RegistryAccess;
      /** Why environments could not be read; without it no lane shows a tracking error. */
      trackingErrors?: TrackingErrorStore;
      now?: () => Date;
    },
  ) {}

  /**
   * The status of one tracked component.
   *
   * @throws NotFoundError when the component is not tracked
   */
  async status(entityRef: string): Promise<EntityPromotionStatus> {
    const component = await this.deps.stores.components.getComponent(entityRef);
    if (!component) {
      throw new NotFoundError(
        `${entityRef} is not tracked: give it the annotation image-promotion.io/image, then refresh it`,
      );
    }
    const pipeline = this.deps.config.pipelines.get(component.pipeline);
    if (!pipeline) {
      throw new NotFoundError(
        `${entityRef} uses pipeline "${component.pipeline}", which is not configured`,
      );
    }
    const now = this.deps.now?.() ?? new Date();
    const [states, trackingErrors] = await Promise.all([
      this.deps.readModels.entityStatus(entityRef, pipeline.environments),
      this.deps.trackingErrors?.forComponent(entityRef) ??
        new Map<string, TrackingError>(),
    ]);
    const approvers = await this.deps.readModels.approvers(
      [...states.values()].flatMap(s =>
        s.current?.promotionId ? [s.current.promotionId] : [],
      ),
    );
    const title = (id: string) =>
      pipeline.environments.find(e => e.id === id)?.title ?? id;
    const registry = (id: string) =>
      pipeline.environments.find(e => e.id === id)?.registry ?? null;
    const environments = pipeline.environments.map(environment => {
      const state = states.get(environment.id)!;
      const failed = state.lastFailure;
      // A failure counts until a later version arrives in the environment.
      const lastFailure: EnvironmentFailure | null =
        failed &&
        (!state.current ||
          (failed.finishedAt ?? failed.updatedAt) >= state.current.since)
          ? {
              promotionId: failed.id,
              targetTag: failed.targetTag,
              failedAt: (failed.finishedAt ?? failed.updatedAt).toISOString(),
              message: summarizeFailure(failed, {
                sourceTitle: title(failed.sourceEnvironment),
                sourceRegistry: registry(failed.sourceEnvironment),
                targetTitle: title(failed.targetEnvironment),
                targetRegistry: registry(failed.targetEnvironment),
              }),
            }
          : null;
      const trackingError = trackingErrors.get(environment.id);
      const status = this.environmentStatus(component, environment, state, now);
      return {
        ...status,
        current: status.current && {
          ...status.current,
          approvedBy: status.current.promotionId
            ? approvers.get(status.current.promotionId) ?? []
            : [],
        },
        trackingError: toTrackingErrorResponse(trackingError),
        lastFailure,
      };
    });
    return {
      entityRef: component.entityRef,
      title: component.title,
      image: component.image,
      pipeline: pipeline.name,
      environments,
    };
  }

  private environmentStatus(
    component: TrackedComponent,
    environment: Environment,
    { current, versions, openPromotion: open, drift }: EntityEnvironmentStatus,
    now: Date,
  ): Omit<EnvironmentStatus, 'trackingError' | 'lastFailure'> {
    const { access, config } = this.deps;
    const { entityRef, image } = component;
    const endpoint = config.registries.get(environment.registry);
    return {
      id: environment.id,
      title: environment.title,
      registry: {
        name: environment.registry,
        type: endpoint?.type ?? 'registry',
        repository: access.repositoryPath(environment, image, entityRef),
        location: access.describe(environment, image, entityRef),
      },
      currentTag: environment.currentTag ?? null,
      current: toCurrentResponse(current),
      versions: versions.map(toVersionResponse),
      openPromotion: open ? toPromotionResponse(open) : null,
      drift: drift.map(toDriftResponse),
      policy: summarizePolicy(environment, now),
    };
  }
}
