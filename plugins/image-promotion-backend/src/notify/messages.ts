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

import type { NotificationPayload } from '@backstage/plugin-notifications-common';
import {
  APPROVALS_INBOX_PATH,
  entityPromotionPath,
} from '@image-promotion/plugin-image-promotion-common';
import type { DriftEvent, Promotion, TrackedComponent } from '../database';
import { formatInstant, shortDigest } from '../policy';

/** The notification topic of everything this plugin sends. */
export const NOTIFICATION_TOPIC = 'image-promotion';

/** Names of an environment and a component as people read them. */
export interface Names {
  component: TrackedComponent | undefined;
  /** Environment id → title. */
  environmentTitle(id: string): string;
}

function componentName(promotion: { entityRef: string }, names: Names) {
  return (
    names.component?.title ??
    promotion.entityRef.replace(/^[^:]+:(default\/)?/, '')
  );
}

/** `checkout 1.2.0 → Production` */
function what(promotion: Promotion, names: Names): string {
  return `${componentName(promotion, names)} ${
    promotion.targetTag
  } → ${names.environmentTitle(promotion.targetEnvironment)}`;
}

function userName(ref: string): string {
  return ref.replace(/^user:(default\/)?/, '');
}

/** Approvals given so far, of how many the target environment needs. */
export interface ApprovalProgress {
  /** Who has approved, in the order they did. */
  approvers: string[];
  required: number;
}

/** `1 of 2 approvals are in (rita); 1 more is needed.` */
function progressSentence(progress: ApprovalProgress): string {
  const missing = Math.max(progress.required - progress.approvers.length, 0);
  return `${progress.approvers.length} of ${progress.required} approvals ${
    progress.approvers.length === 1 ? 'is' : 'are'
  } in (${progress.approvers.map(userName).join(', ')}); ${missing} more ${
    missing === 1 ? 'is' : 'are'
  } needed.`;
}

/**
 * For the people who may approve: a promotion waits for them. With
 * `progress`, some have approved already and it says so (sent again under the
 * same scope, it replaces the first one).
 */
export function approvalNeeded(
  promotion: Promotion,
  names: Names,
  now: Date,
  progress?: ApprovalProgress,
): NotificationPayload {
  const parts = [
    `${userName(promotion.requestedBy)} asks to promote ${shortDigest(
      promotion.digest,
    )} from ${names.environmentTitle(promotion.sourceEnvironment)}.`,
  ];
  if (progress) parts.push(progressSentence(progress));
  if (promotion.reason) parts.push(`Reason: ${promotion.reason}`);
  if (promotion.eligibleAt && promotion.eligibleAt > now) {
    parts.push(
      `Once approved it starts at ${formatInstant(
        promotion.eligibleAt,
        now,
      )}, when its soak or freeze window ends.`,
    );
  }
  return {
    title: `Approval needed: ${what(promotion, names)}`,
    description: parts.join(' '),
    link: entityPromotionPath(promotion.entityRef, promotion.id),
    severity: 'high',
    topic: NOTIFICATION_TOPIC,
    // One notification per promotion for each approver, updated rather than repeated.
    scope: approvalScope(promotion),
    metadata: { inbox: APPROVALS_INBOX_PATH },
  };
}

/** The scope of the approvers' notification of a promotion: sent again under it, it replaces the earlier one. */
export function approvalScope(promotion: Pick<Promotion, 'id'>): string {
  return `image-promotion:approval:${promotion.id}`;
}

/**
 * For those who approved while more approvals are needed, replacing their
 * "Approval needed": their part is done.
 */
export function approvalGiven(
  promotion: Promotion,
  names: Names,
  progress: ApprovalProgress,
): NotificationPayload {
  return {
    title: `Waiting for more approvals: ${what(promotion, names)}`,
    description: `${progressSentence(progress)} Nothing is left for you to do.`,
    link: entityPromotionPath(promotion.entityRef, promotion.id),
    severity: 'low',
    topic: NOTIFICATION_TOPIC,
    scope: approvalScope(promotion),
    metadata: { inbox: APPROVALS_INBOX_PATH },
  };
}

/**
 * For the people who were asked to approve, replacing their "Approval
 * needed": the promotion was decided or withdrawn, nothing is left to do.
 */
export function approvalSettled(
  promotion: Promotion,
  names: Names,
  event:
    | { kind: 'approved'; by: string }
    | { kind: 'rejected'; by: string; comment: string | null }
    | { kind: 'cancelled'; by: string },
): NotificationPayload {
  let said: string;
  switch (event.kind) {
    case 'approved':
      said = `${userName(event.by)} approved it.`;
      break;
    case 'rejected':
      said = `${userName(event.by)} rejected it${
        event.comment ? `: “${event.comment}”.` : '.'
      }`;
      break;
    default:
      said =
        event.by === promotion.requestedBy
          ? `${userName(event.by)} withdrew the request.`
          : `${userName(event.by)} cancelled it.`;
  }
  return {
    title: `No longer waiting: ${what(promotion, names)}`,
    description: `${said} Nothing is left for you to approve.`,
    link: entityPromotionPath(promotion.entityRef, promotion.id),
    severity: 'low',
    topic: NOTIFICATION_TOPIC,
    scope: approvalScope(promotion),
    metadata: { inbox: APPROVALS_INBOX_PATH },
  };
}

/** For the requester: an approval, a rejection, success or failure. */
export function requesterUpdate(
  promotion: Promotion,
  names: Names,
  event:
    | {
        kind: 'approved';
        by: string;
        comment: string | null;
        complete: boolean;
      }
    | { kind: 'rejected'; by: string; comment: string | null }
    | { kind: 'succeeded' }
    | { kind: 'failed'; reason: string },
  now: Date,
): NotificationPayload {
  const base = {
    link: entityPromotionPath(promotion.entityRef, promotion.id),
    topic: NOTIFICATION_TOPIC,
    scope: `image-promotion:request:${promotion.id}`,
  };
  const subject = what(promotion, names);
  switch (event.kind) {
    case 'approved': {
      const said = event.comment ? ` They wrote: “${event.comment}”` : '';
      let next = ' More approvals are needed.';
      if (event.complete) {
        next =
          promotion.eligibleAt && promotion.eligibleAt > now
            ? ` It starts at ${formatInstant(promotion.eligibleAt, now)}.`
            : ' It starts now.';
      }
      return {
        ...base,
        title: `Approved: ${subject}`,
        description: `${userName(event.by)} approved it.${said}${next}`,
        severity: 'normal',
      };
    }
    case 'rejected':
      return {
        ...base,
        title: `Rejected: ${subject}`,
        description: `${userName(event.by)} rejected it${
          event.comment ? `: “${event.comment}”` : '.'
        }`,
        severity: 'high',
      };
    case 'succeeded':
      return {
        ...base,
        title: `Promoted: ${subject}`,
        description: `${names.environmentTitle(
          promotion.targetEnvironment,
        )} now has ${shortDigest(promotion.digest)} as ${promotion.targetTag}.`,
        severity: 'low',
      };
    default:
      return {
        ...base,
        title: `Failed: ${subject}`,
        description: event.reason,
        severity: 'high',
      };
  }
}

/** For the owners: tags moved without a promotion. */
export function driftFound(
  events: DriftEvent[],
  names: Names,
): NotificationPayload {
  const first = events[0];
  const tags = events.map(
    e =>
      `${e.tag} in ${names.environmentTitle(
        e.environment,
      )} moved from ${shortDigest(e.previousDigest)} to ${shortDigest(
        e.newDigest,
      )}`,
  );
  return {
    title: `Drift: ${componentName(first, names)} changed without a promotion`,
    description: `${tags.join(
      '; ',
    )}. Check who pushed it, then acknowledge it or promote the intended version.`,
    link: entityPromotionPath(first.entityRef),
    severity: 'high',
    topic: NOTIFICATION_TOPIC,
  };
}
