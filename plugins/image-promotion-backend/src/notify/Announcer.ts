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
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import type { NotificationPayload } from '@backstage/plugin-notifications-common';
import type { NotificationService } from '@backstage/plugin-notifications-node';
import type { SignalsService } from '@backstage/plugin-signals-node';
import {
  IMAGE_PROMOTION_SIGNAL_CHANNEL,
  type ImagePromotionSignal,
} from '@image-promotion/plugin-image-promotion-common';
import type { ImagePromotionConfig } from '../config';
import type {
  DriftEvent,
  ImagePromotionStores,
  TrackedComponent,
} from '../database';
import type { Environment } from '../domain/types';
import type { RegistryAccess } from '../registry/RegistryAccess';
import { describeFailure } from '../promotion/describeFailure';
import * as messages from './messages';
import type { PromotionChange, PromotionListener } from './PromotionListener';

/** Options of {@link Announcer}. */
export interface AnnouncerOptions {
  stores: Pick<ImagePromotionStores, 'components'>;
  config: ImagePromotionConfig;
  logger: LoggerService;
  /** Absent when the notifications plugin is not part of the backend. */
  notifications?: NotificationService;
  /** Absent when the signals plugin is not part of the backend. */
  signals?: SignalsService;
  /** Names the registries in a failure's sentence. */
  access?: Pick<RegistryAccess, 'describe'>;
  now?: () => Date;
}

/** The owner as an entity ref; a bare name means a group in the component's namespace. */
export function ownerRef(component: TrackedComponent): string | undefined {
  if (!component.owner) return undefined;
  try {
    const namespace = parseEntityRef(component.entityRef).namespace;
    return stringifyEntityRef(
      parseEntityRef(component.owner, {
        defaultKind: 'group',
        defaultNamespace: namespace,
      }),
    );
  } catch {
    return undefined;
  }
}

function isUser(ref: string): boolean {
  return ref.toLocaleLowerCase('en-US').startsWith('user:');
}

/**
 * Tells people about promotions through Backstage notifications (approvers
 * when one waits for them, the requester when it is decided or finished,
 * owners when drift is found) and announces every change on the signals
 * channel so open pages refresh. Delivery runs in the background; failures
 * are logged, never thrown.
 */
export class Announcer implements PromotionListener {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: AnnouncerOptions) {}

  /** Waits for deliveries in flight (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private run(what: string, work: () => Promise<void>) {
    const done = work().catch(error =>
      this.options.logger.warn(`Could not ${what}: ${error}`),
    );
    this.pending.add(done);
    done.finally(() => this.pending.delete(done));
  }

  private environment(
    component: TrackedComponent | undefined,
    id: string,
  ): Environment | undefined {
    const pipeline = component
      ? this.options.config.pipelines.get(component.pipeline)
      : undefined;
    return pipeline?.environments.find(e => e.id === id);
  }

  private async names(entityRef: string) {
    const component = await this.options.stores.components.getComponent(
      entityRef,
    );
    const names: messages.Names = {
      component,
      environmentTitle: id => this.environment(component, id)?.title ?? id,
    };
    return { component, names };
  }

  private async signal(message: ImagePromotionSignal) {
    await this.options.signals?.publish<ImagePromotionSignal>({
      recipients: { type: 'broadcast' },
      channel: IMAGE_PROMOTION_SIGNAL_CHANNEL,
      message,
    });
  }

  private async notify(
    entityRefs: string[],
    payload: NotificationPayload,
    exclude: string[] = [],
  ) {
    if (!this.options.notifications || entityRefs.length === 0) return;
    await this.options.notifications.send({
      recipients: {
        type: 'entity',
        entityRef: entityRefs,
        ...(exclude.length ? { excludeEntityRef: exclude } : {}),
      },
      payload,
    });
  }

  /**
   * Who is asked to approve a promotion into an environment: the approver
   * groups when the environment names them (resolved to their members by the
   * notifications backend), else the component's owners. The permission
   * policy decides in the end; these are the people it is meant for.
   */
  approverRecipients(
    component: TrackedComponent | undefined,
    targetEnvironment: string,
  ): string[] {
    const groups =
      this.environment(component, targetEnvironment)?.policy.approverGroups ??
      [];
    if (groups.length) return groups;
    const owner = component ? ownerRef(component) : undefined;
    return owner ? [owner] : [];
  }

  promotionChanged(change: PromotionChange): void {
    const { promotion } = change;
    this.run(`announce promotion ${promotion.id}`, async () => {
      await this.signal({
        type: 'promotion',
        promotionId: promotion.id,
        entityRef: promotion.entityRef,
        targetEnvironment: promotion.targetEnvironment,
        status: promotion.status,
      });
      await this.notifyPeople(change);
    });
  }

  private async notifyPeople(change: PromotionChange) {
    const { promotion, previous } = change;
    const requester = isUser(promotion.requestedBy)
      ? [promotion.requestedBy]
      : [];
    const status = promotion.status;
    const settled =
      previous === 'pending_approval' && status !== 'pending_approval';
    const interesting =
      settled ||
      (status === 'pending_approval' && previous === null) ||
      change.approval ||
      (status === 'queued' && previous === 'pending_approval') ||
      status === 'rejected' ||
      status === 'succeeded' ||
      status === 'failed';
    if (!interesting) return;
    const now = this.now();
    const { component, names } = await this.names(promotion.entityRef);

    if (status === 'pending_approval' && previous === null) {
      await this.notify(
        this.approverRecipients(component, promotion.targetEnvironment),
        messages.approvalNeeded(promotion, names, now),
        // The four-eyes rule: the requester is never asked.
        [promotion.requestedBy],
      );
      return;
    }
    if (settled) await this.settleApproval(change, component, names);
    if (change.approval && status === 'pending_approval') {
      await this.approvalProgress(
        promotion,
        change.approval,
        component,
        names,
        now,
      );
    }
    if (change.approval) {
      await this.notify(
        requester,
        messages.requesterUpdate(
          promotion,
          names,
          {
            kind: 'approved',
            by: change.approval.approver,
            comment: change.approval.comment,
            complete: status !== 'pending_approval',
          },
          now,
        ),
      );
      return;
    }
    if (status === 'rejected') {
      await this.notify(
        requester,
        messages.requesterUpdate(
          promotion,
          names,
          {
            kind: 'rejected',
            by: change.actor,
            comment: change.comment ?? null,
          },
          now,
        ),
      );
      return;
    }
    if (status === 'succeeded' || status === 'failed') {
      await this.notify(
        requester,
        messages.requesterUpdate(
          promotion,
          names,
          status === 'succeeded'
            ? { kind: 'succeeded' }
            : {
                kind: 'failed',
                reason: this.failureSentence(promotion, component, names),
              },
          now,
        ),
      );
    }
  }

  /**
   * Replaces the approvers' "Approval needed" (same scope) once the promotion
   * was approved, rejected or withdrawn, so no stale request stays in their
   * notifications. The notifications backend marks the replaced one unread;
   * it says there is nothing left to do, at low severity.
   */
  private async settleApproval(
    change: PromotionChange,
    component: TrackedComponent | undefined,
    names: messages.Names,
  ) {
    const { promotion } = change;
    let event: Parameters<typeof messages.approvalSettled>[2];
    if (promotion.status === 'rejected') {
      event = {
        kind: 'rejected',
        by: change.actor,
        comment: change.comment ?? null,
      };
    } else if (promotion.status === 'cancelled') {
      event = { kind: 'cancelled', by: change.actor };
    } else if (change.approval) {
      event = { kind: 'approved', by: change.approval.approver };
    } else {
      return;
    }
    await this.notify(
      this.approverRecipients(component, promotion.targetEnvironment),
      messages.approvalSettled(promotion, names, event),
      // Never asked, so never told it is settled.
      [promotion.requestedBy],
    );
  }

  /**
   * After an approval that was not the last one needed: replaces the "Approval
   * needed" of those who have approved with "your part is done", and that of
   * the others with how many approvals are in and by whom (same scope).
   */
  private async approvalProgress(
    promotion: PromotionChange['promotion'],
    approval: NonNullable<PromotionChange['approval']>,
    component: TrackedComponent | undefined,
    names: messages.Names,
    now: Date,
  ) {
    const progress = {
      approvers: approval.approvers,
      required: approval.required,
    };
    await this.notify(
      this.approverRecipients(component, promotion.targetEnvironment),
      messages.approvalNeeded(promotion, names, now, progress),
      [promotion.requestedBy, ...approval.approvers],
    );
    await this.notify(
      approval.approvers.filter(isUser),
      messages.approvalGiven(promotion, names, progress),
    );
  }

  /** The failure in words naming environment and registry, as the detail view shows it. */
  private failureSentence(
    promotion: PromotionChange['promotion'],
    component: TrackedComponent | undefined,
    names: messages.Names,
  ): string {
    const location = (id: string) => {
      const environment = this.environment(component, id);
      if (!component || !environment || !this.options.access) return null;
      try {
        return this.options.access.describe(
          environment,
          component.image,
          component.entityRef,
        );
      } catch {
        return null;
      }
    };
    return (
      describeFailure(promotion, {
        sourceTitle: names.environmentTitle(promotion.sourceEnvironment),
        sourceLocation: location(promotion.sourceEnvironment),
        targetTitle: names.environmentTitle(promotion.targetEnvironment),
        targetLocation: location(promotion.targetEnvironment),
      })?.message ??
      promotion.failureReason ??
      'The promotion failed.'
    );
  }

  driftFound(events: DriftEvent[]): void {
    if (events.length === 0) return;
    const entityRef = events[0].entityRef;
    this.run(`announce drift of ${entityRef}`, async () => {
      for (const event of events) {
        await this.signal({
          type: 'drift',
          driftId: event.id,
          entityRef: event.entityRef,
          environment: event.environment,
          acknowledged: false,
        });
      }
      const { component, names } = await this.names(entityRef);
      const owner = component ? ownerRef(component) : undefined;
      if (owner) await this.notify([owner], messages.driftFound(events, names));
    });
  }

  driftAcknowledged(event: DriftEvent): void {
    this.run(`announce drift acknowledgement ${event.id}`, () =>
      this.signal({
        type: 'drift',
        driftId: event.id,
        entityRef: event.entityRef,
        environment: event.environment,
        acknowledged: true,
      }),
    );
  }
}
