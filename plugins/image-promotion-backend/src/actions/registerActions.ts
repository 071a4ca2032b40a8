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

import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type {
  ActionsRegistryActionOptions,
  ActionsRegistryService,
} from '@backstage/backend-plugin-api/alpha';
import { AuthenticationError } from '@backstage/errors';
import type { Promotion } from '../database';
import type { Caller, CallerResolver } from '../service/identity';
import { parseInput } from '../service/parse';
import type { PromotionOperations } from '../service/PromotionOperations';
import {
  decisionBodySchema,
  entityRefSchema,
  idPathSchema,
  previewBodySchema,
  promotionBodySchema,
} from '../service/schemas';

// Input and output schemas of the actions, as agents read them (the MCP
// actions backend turns them into JSON schema). They describe the shape; the
// actions parse their input again with the REST API's own schemas, so the
// rules and messages are the REST API's.

/** The zod the actions registry hands to schema factories (its own copy). */
type Z = Parameters<
  ActionsRegistryActionOptions<any, any>['schema']['input']
>[0];

const promotionFields = (z: Z) => ({
  entityRef: z
    .string()
    .describe(
      'The catalog component, e.g. component:default/checkout (kind and namespace default to component and default)',
    ),
  targetEnvironment: z
    .string()
    .describe('Id of the environment to promote into, e.g. qa or prod'),
  sourceEnvironment: z
    .string()
    .optional()
    .describe(
      'Id of the environment the image comes from; default the one before the target',
    ),
  digest: z
    .string()
    .optional()
    .describe('The image digest (sha256:…) to promote; give this or sourceTag'),
  sourceTag: z
    .string()
    .optional()
    .describe('A tag in the source environment, resolved to its digest'),
  targetTag: z
    .string()
    .optional()
    .describe(
      'The tag to move in the target; default the source tag or the version tag',
    ),
});

const gate = (z: Z) =>
  z.object({
    gate: z
      .string()
      .describe(
        'order, approvals, soak, freeze, immutable-tag, permission, or another gate of the policy',
      ),
    passed: z.boolean(),
    message: z.string().describe('Why it passed or failed, in words'),
    eligibleAt: z
      .string()
      .optional()
      .describe('For a soak or freeze gate: when it passes by itself'),
  });

const promotionSchema = (z: Z) =>
  z.object({
    id: z.string().describe('Promotion id (UUID)'),
    entityRef: z.string(),
    status: z
      .string()
      .describe(
        'pending_approval, queued, copying, verifying, succeeded, failed, rejected or cancelled',
      ),
    sourceEnvironment: z.string(),
    targetEnvironment: z.string(),
    digest: z.string(),
    targetTag: z.string(),
    requestedBy: z
      .string()
      .describe(
        'Who asked: a user entity ref, a service subject, or auto-promotion',
      ),
    reason: z.string().nullable(),
    eligibleAt: z
      .string()
      .nullable()
      .describe(
        'When a promotion held by a soak time or freeze window may start',
      ),
    failureReason: z.string().nullable(),
  });

/** Input of get-promotion-status. */
const statusInput = (z: Z) =>
  z.object({
    entityRef: z
      .string()
      .describe('The catalog component, e.g. component:default/checkout'),
  });

/** Output of get-promotion-status. */
const statusOutput = (z: Z) =>
  z.object({
    entityRef: z.string(),
    image: z.string().describe('The image name the component tracks'),
    pipeline: z.string().describe('The promotion pipeline it follows'),
    environments: z
      .array(
        z.object({
          id: z.string(),
          title: z.string(),
          location: z.string().describe('Registry and repository'),
          currentTag: z.string().nullable(),
          current: z
            .object({
              digest: z.string(),
              tag: z.string().nullable(),
              since: z.string(),
              promotedBy: z
                .string()
                .nullable()
                .describe('Null when tracking discovered it'),
            })
            .nullable()
            .describe('What the environment runs now; null when nothing yet'),
          openPromotion: promotionSchema(z)
            .nullable()
            .describe('The promotion into it that has not finished'),
          unacknowledgedDrift: z
            .number()
            .describe('Tags that moved without a promotion'),
          policy: z.object({
            approvals: z.number(),
            soakTimeMs: z.number(),
            frozenUntil: z
              .string()
              .nullable()
              .describe('End of the freeze window in force now'),
          }),
        }),
      )
      .describe('In pipeline order'),
  });

/** Input of preview-promotion. */
const previewInput = (z: Z) => z.object(promotionFields(z));

/** Output of preview-promotion. */
const previewOutput = (z: Z) =>
  z.object({
    entityRef: z.string(),
    digest: z.string(),
    sourceEnvironment: z.string(),
    targetEnvironment: z.string(),
    sourceTag: z.string().nullable(),
    targetTag: z.string(),
    isRollback: z.boolean(),
    allowed: z
      .boolean()
      .describe('Every gate passes: a request would start at once'),
    needsApproval: z
      .boolean()
      .describe('A request would be accepted and wait for approvals'),
    canRequest: z
      .boolean()
      .describe(
        'A request would be accepted now (at once, or waiting for approvals or eligibleAt)',
      ),
    eligibleAt: z
      .string()
      .nullable()
      .describe('When the soak and freeze gates pass by themselves'),
    gates: z.array(gate(z)),
  });

/** Input of promote-image. */
const requestInput = (z: Z) =>
  z.object({
    ...promotionFields(z),
    reason: z
      .string()
      .optional()
      .describe('Why, for approvers and the history (at most 1000 characters)'),
  });

/** Input of approve-promotion. */
const approveInput = (z: Z) =>
  z.object({
    promotionId: z
      .string()
      .describe('Id of the promotion waiting for approval'),
    comment: z
      .string()
      .optional()
      .describe('Shown with the approval in the promotion detail view'),
  });

/** Output of promote-image and approve-promotion. */
const promotionOutput = (z: Z) => z.object({ promotion: promotionSchema(z) });

/** Names of the actions, as agents and the MCP actions backend see them (`image-promotion:<name>`). */
export const ACTION_NAMES = {
  status: 'get-promotion-status',
  preview: 'preview-promotion',
  promote: 'promote-image',
  approve: 'approve-promotion',
} as const;

/** What the actions need: the same operations and caller resolution as the REST API. */
export interface ActionsOptions {
  actionsRegistry: ActionsRegistryService;
  operations: PromotionOperations;
  callers: CallerResolver;
  /** Bound on the registry lookups one action makes (the REST API's request deadline). */
  deadlineMs: number;
}

/**
 * Registers status, preview, promote and approve with the Backstage actions
 * registry. Each parses its input with the REST API's own schemas and goes
 * through the same permission checks, policy and audit as the REST handlers.
 */
export function registerActions(options: ActionsOptions): void {
  const { actionsRegistry, operations, callers, deadlineMs } = options;

  const caller = async (credentials: BackstageCredentials): Promise<Caller> => {
    const type = (credentials.principal as { type?: string }).type;
    if (type !== 'user' && type !== 'service') {
      throw new AuthenticationError(
        'Image promotion actions need a signed-in user or a service token',
      );
    }
    return callers.fromCredentials(
      credentials as Parameters<CallerResolver['fromCredentials']>[0],
    );
  };
  const deadline = () => ({
    signal: AbortSignal.timeout(deadlineMs),
    deadlineMs,
  });

  actionsRegistry.register({
    name: ACTION_NAMES.status,
    title: 'Get image promotion status',
    description:
      "Shows which image digest and tag each environment of a component's promotion pipeline (for example dev, qa, staging, prod) runs now, since when and who promoted it, the promotion in progress into each environment, unacknowledged drift, and each environment's policy (approvals, soak time, freeze window in force). Needs the image-promotion.read permission on the component.",
    attributes: { readOnly: true, idempotent: true },
    schema: { input: statusInput, output: statusOutput },
    examples: [
      {
        title: 'Where does the checkout service run which image?',
        input: { entityRef: 'component:default/checkout' },
      },
    ],
    action: async ({ input, credentials }) => {
      const { entityRef } = parseInput(entityRefSchema, input, 'input');
      const status = await operations.status(entityRef, {
        credentials: (await caller(credentials)).credentials,
      });
      return {
        output: {
          entityRef: status.entityRef,
          image: status.image,
          pipeline: status.pipeline,
          environments: status.environments.map(e => ({
            id: e.id,
            title: e.title,
            location: e.registry.location,
            currentTag: e.currentTag,
            current: e.current
              ? {
                  digest: e.current.digest,
                  tag: e.current.tag,
                  since: e.current.since,
                  promotedBy: e.current.by,
                }
              : null,
            openPromotion: e.openPromotion ? summarize(e.openPromotion) : null,
            unacknowledgedDrift: e.drift.length,
            policy: {
              approvals: e.policy.approvals,
              soakTimeMs: e.policy.soakTimeMs,
              frozenUntil: e.policy.activeFreeze?.endsAt ?? null,
            },
          })),
        },
      };
    },
  });

  actionsRegistry.register({
    name: ACTION_NAMES.preview,
    title: 'Preview an image promotion',
    description:
      'Dry-runs a promotion of an image into an environment without changing anything: resolves the digest (from digest or sourceTag in the source environment, default the environment before the target) and returns every policy gate (order, approvals, soak time, freeze windows, immutable tags, permission) with pass/fail and a sentence why, whether a request would start at once (allowed), wait for approvals (needsApproval) or wait until eligibleAt. Needs the image-promotion.read permission.',
    attributes: { readOnly: true, idempotent: true },
    schema: { input: previewInput, output: previewOutput },
    examples: [
      {
        title: 'Can version 1.4.0 of checkout go to production?',
        input: {
          entityRef: 'component:default/checkout',
          targetEnvironment: 'prod',
          sourceTag: '1.4.0',
        },
      },
    ],
    action: async ({ input, credentials }) => {
      const body = parseInput(previewBodySchema, input, 'input');
      return {
        output: await operations.preview(
          body,
          await caller(credentials),
          deadline(),
        ),
      };
    },
  });

  actionsRegistry.register({
    name: ACTION_NAMES.promote,
    title: 'Promote an image',
    description:
      'Requests the promotion of an image digest into an environment: the plugin copies the same digest, byte for byte, into the target registry and moves the target tag, once the policy allows it. The answer is the promotion: queued (starts at once), pending_approval (waits for approvers; the requester can never approve their own), or queued with eligibleAt (waits for a soak time or freeze window to end). A request the policy refuses fails with the failed gates. Needs the image-promotion.promote permission on the component.',
    attributes: { destructive: true, readOnly: false, idempotent: false },
    schema: { input: requestInput, output: promotionOutput },
    examples: [
      {
        title: 'Promote checkout 1.4.0 from staging to production',
        input: {
          entityRef: 'component:default/checkout',
          targetEnvironment: 'prod',
          sourceTag: '1.4.0',
          reason: 'Release 1.4 (CHANGE-1234)',
        },
      },
    ],
    action: async ({ input, credentials }) => {
      const body = parseInput(promotionBodySchema, input, 'input');
      const promotion = await operations.request(
        body,
        await caller(credentials),
        { via: 'actions-registry', action: ACTION_NAMES.promote },
        deadline(),
      );
      return { output: { promotion: summarize(promotion) } };
    },
  });

  actionsRegistry.register({
    name: ACTION_NAMES.approve,
    title: 'Approve an image promotion',
    description:
      'Approves a promotion that waits for approval (status pending_approval), optionally with a comment. The requester cannot approve their own promotion, and an environment may require approvers from given groups. Once enough distinct people approved, the promotion is queued and runs. Needs the image-promotion.approve permission on the component.',
    attributes: { destructive: false, readOnly: false, idempotent: false },
    schema: { input: approveInput, output: promotionOutput },
    action: async ({ input, credentials }) => {
      const { promotionId, ...rest } = input;
      const { id } = parseInput(idPathSchema, { id: promotionId }, 'input');
      const { comment } = parseInput(decisionBodySchema, rest, 'input');
      const promotion = await operations.decide(
        'approve',
        id,
        comment,
        await caller(credentials),
        { via: 'actions-registry', action: ACTION_NAMES.approve },
        deadline(),
      );
      return { output: { promotion: summarize(promotion) } };
    },
  });
}

/** A promotion as the actions answer with it. */
function summarize(promotion: PromotionLike) {
  return {
    id: promotion.id,
    entityRef: promotion.entityRef,
    status: promotion.status,
    sourceEnvironment: promotion.sourceEnvironment,
    targetEnvironment: promotion.targetEnvironment,
    digest: promotion.digest,
    targetTag: promotion.targetTag,
    requestedBy: promotion.requestedBy,
    reason: promotion.reason,
    eligibleAt: toIso(promotion.eligibleAt),
    failureReason: promotion.failureReason,
  };
}

/** The stored promotion and its API response share these fields (dates as Date or ISO text). */
type PromotionLike = Pick<
  Promotion,
  | 'id'
  | 'entityRef'
  | 'status'
  | 'sourceEnvironment'
  | 'targetEnvironment'
  | 'digest'
  | 'targetTag'
  | 'requestedBy'
  | 'reason'
  | 'failureReason'
> & { eligibleAt: Date | string | null };

function toIso(value: Date | string | null): string | null {
  if (value === null) return null;
  return typeof value === 'string' ? value : value.toISOString();
}
