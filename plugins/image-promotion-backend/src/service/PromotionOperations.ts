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

import type { AuditorService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import type { PromotionChanges } from '../changes';
import type {
  EntityPromotionStatus,
  PromotionPreview,
} from '@image-promotion/plugin-image-promotion-common';
import type { Request } from 'express';
import type { ImagePromotionStores, Promotion } from '../database';
import type { PermissionGuard } from '../permissions';
import type {
  PromotionRequest,
  PromotionService,
  RegistryCallOptions,
} from '../promotion/PromotionService';
import { audited, AuditMeta } from './audit';
import type { Caller } from './identity';
import { toGate } from './mappers';
import type { StatusReadModel } from './StatusReadModel';

/** How a caller reached an operation, for the audit log. */
export type OperationChannel =
  | { request: Request }
  | { action: string; via: 'actions-registry' | 'scaffolder' };

/**
 * The state-changing and policy-answering operations of the API, each with
 * its permission check and audit event. The REST handlers and the actions in
 * the Backstage actions registry both call these, so an agent, a template and
 * a person clicking go through the same checks.
 */
export class PromotionOperations {
  constructor(
    private readonly deps: {
      auditor: AuditorService;
      stores: Pick<ImagePromotionStores, 'promotions'>;
      service: PromotionService;
      guard: PermissionGuard;
      status: StatusReadModel;
      /** Compares the candidate with the target's current image. */
      changes: PromotionChanges;
    },
  ) {}

  /** A component's environments; needs the read permission. */
  async status(
    entityRef: string,
    caller: Pick<Caller, 'credentials'>,
  ): Promise<EntityPromotionStatus> {
    await this.deps.guard.require('read', entityRef, caller.credentials);
    return this.deps.status.status(entityRef);
  }

  /** Every gate's verdict for a request, the permission gate included; needs the read permission. */
  async preview(
    body: Omit<PromotionRequest, 'reason'>,
    caller: Caller,
    call: RegistryCallOptions = {},
  ): Promise<PromotionPreview> {
    const { guard, service } = this.deps;
    await guard.require('read', body.entityRef, caller.credentials);
    const [plan, permission] = await Promise.all([
      service.plan(body, caller.actor.userEntityRef, undefined, call),
      guard.check('promote', body.entityRef, caller.credentials),
    ]);
    const comparison = await this.deps.changes.compare(
      {
        entityRef: plan.component.entityRef,
        image: plan.component.image,
        source: plan.source,
        target: plan.target,
        digest: plan.digest,
      },
      call,
    );
    return {
      entityRef: plan.component.entityRef,
      digest: plan.digest,
      sourceEnvironment: plan.source.id,
      targetEnvironment: plan.target.id,
      sourceTag: plan.sourceTag,
      targetTag: plan.targetTag,
      isRollback: plan.isRollback,
      allowed: plan.allowed && permission.allowed,
      needsApproval: plan.needsApproval && permission.allowed,
      canRequest: plan.canRequest && permission.allowed,
      eligibleAt:
        plan.canRequest && plan.eligibleAt
          ? plan.eligibleAt.toISOString()
          : null,
      gates: [
        ...plan.gates.map(toGate),
        {
          gate: 'permission',
          passed: permission.allowed,
          message: permission.message,
        },
      ],
      changes: comparison.summary,
      changesProblem: comparison.problem,
    };
  }

  /** Requests a promotion; needs the promote permission; audited. */
  async request(
    body: PromotionRequest,
    caller: Caller,
    channel: OperationChannel,
    call: RegistryCallOptions = {},
  ): Promise<Promotion> {
    return audited(
      this.deps.auditor,
      {
        eventId: 'promotion-request',
        severityLevel: 'medium',
        ...auditChannel(channel),
        meta: {
          ...channelMeta(channel, caller),
          entityRef: body.entityRef,
          targetEnvironment: body.targetEnvironment,
          ...(body.sourceEnvironment
            ? { sourceEnvironment: body.sourceEnvironment }
            : {}),
          ...(body.digest ? { digest: body.digest } : {}),
          ...(body.sourceTag ? { sourceTag: body.sourceTag } : {}),
          ...(body.targetTag ? { targetTag: body.targetTag } : {}),
        },
      },
      async () => {
        await this.deps.guard.require(
          'promote',
          body.entityRef,
          caller.credentials,
        );
        return this.deps.service.request(body, caller.actor, call);
      },
      created => ({
        promotionId: created.id,
        status: created.status,
        digest: created.digest,
      }),
    );
  }

  /** Approves or rejects a waiting promotion; needs the approve permission; audited. */
  async decide(
    decision: 'approve' | 'reject',
    id: string,
    comment: string | undefined,
    caller: Caller,
    channel: OperationChannel,
    call: RegistryCallOptions = {},
  ): Promise<Promotion> {
    const promotion = await this.deps.stores.promotions.getPromotion(id);
    if (!promotion) throw new NotFoundError(`promotion ${id} does not exist`);
    return audited(
      this.deps.auditor,
      {
        eventId:
          decision === 'approve' ? 'promotion-approve' : 'promotion-reject',
        severityLevel: 'medium',
        ...auditChannel(channel),
        meta: {
          ...channelMeta(channel, caller),
          promotionId: id,
          entityRef: promotion.entityRef,
          targetEnvironment: promotion.targetEnvironment,
          digest: promotion.digest,
        },
      },
      async () => {
        await this.deps.guard.require(
          'approve',
          promotion.entityRef,
          caller.credentials,
        );
        return decision === 'approve'
          ? this.deps.service.approve(id, caller.actor, comment, call)
          : this.deps.service.reject(id, caller.actor, comment);
      },
      result => ({ status: result.status }),
    );
  }
}

/** The request, when there is one: the auditor reads the caller from it. */
function auditChannel(channel: OperationChannel): { request?: Request } {
  return 'request' in channel ? { request: channel.request } : {};
}

/** Without a request the auditor cannot tell who acted, so the event says it. */
function channelMeta(channel: OperationChannel, caller: Caller): AuditMeta {
  return 'request' in channel
    ? {}
    : {
        via: channel.via,
        action: channel.action,
        actor: caller.actor.userEntityRef,
      };
}
