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
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { Promotion } from '@image-promotion/plugin-image-promotion-common';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link createPromoteAction}. */
export interface PromoteActionOptions {
  auth: AuthService;
  discovery: DiscoveryService;
  /** Bound on each call to the image promotion API (default 30 s). */
  requestTimeoutMs?: number;
  /** How often `waitForCompletion` looks at the promotion (default 2 s). */
  pollIntervalMs?: number;
}

const FINAL = ['succeeded', 'failed', 'rejected', 'cancelled'];

/**
 * `image-promotion:promote`: asks the image promotion plugin to promote an
 * image, through its REST API and with the credentials of the user who runs
 * the template, so the same permissions, policy and audit apply as when that
 * user clicks Promote.
 *
 * @public
 */
export function createPromoteAction(options: PromoteActionOptions) {
  const { auth, discovery } = options;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const pollIntervalMs = options.pollIntervalMs ?? 2_000;

  return createTemplateAction({
    id: 'image-promotion:promote',
    description:
      'Requests the promotion of an image digest into an environment of its pipeline (the same digest is copied, never rebuilt), as the user running the template. The policy decides: the promotion starts at once, waits for approvals, or waits for a soak time or freeze window to end; a refusal fails the step with the failed gates.',
    examples: [
      {
        description: 'Promote the version the template built to QA',
        example: [
          'steps:',
          '  - id: promote',
          '    name: Promote to QA',
          '    action: image-promotion:promote',
          '    input:',
          '      entityRef: component:default/checkout',
          '      targetEnvironment: qa',
          '      sourceTag: ${{ parameters.version }}',
          '      reason: Release ${{ parameters.version }}',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        entityRef: z =>
          z
            .string()
            .describe('The catalog component, e.g. component:default/checkout'),
        targetEnvironment: z =>
          z.string().describe('The environment to promote into, e.g. qa'),
        sourceEnvironment: z =>
          z
            .string()
            .optional()
            .describe('Where the image comes from; default the one before'),
        digest: z =>
          z
            .string()
            .optional()
            .describe('The digest (sha256:…) to promote; or give sourceTag'),
        sourceTag: z =>
          z.string().optional().describe('A tag in the source environment'),
        targetTag: z =>
          z
            .string()
            .optional()
            .describe('The tag to move in the target; default the source tag'),
        reason: z =>
          z.string().optional().describe('Why, for approvers and the history'),
        waitForCompletion: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait until the promotion succeeded (fail the step if it failed, was rejected or cancelled). Default false: the step ends once the promotion is requested.',
            ),
        timeoutMinutes: z =>
          z
            .number()
            .min(1)
            .max(24 * 60)
            .optional()
            .describe('How long waitForCompletion waits at most; default 30'),
      },
      output: {
        promotionId: z => z.string().describe('The promotion id'),
        status: z =>
          z
            .string()
            .describe(
              'queued, pending_approval, … or succeeded when waitForCompletion',
            ),
        digest: z => z.string().describe('The digest being promoted'),
        targetTag: z => z.string().describe('The tag moved in the target'),
        eligibleAt: z =>
          z
            .string()
            .optional()
            .describe('When a soak time or freeze window lets it start'),
      },
    },
    async handler(ctx) {
      const {
        waitForCompletion,
        timeoutMinutes,
        entityRef,
        targetEnvironment,
        ...rest
      } = ctx.input;
      const baseUrl = await discovery.getBaseUrl('image-promotion');
      const call = async (
        method: 'GET' | 'POST',
        path: string,
        body?: object,
      ): Promise<Promotion> => {
        const { token } = await auth.getPluginRequestToken({
          onBehalfOf: await ctx.getInitiatorCredentials(),
          targetPluginId: 'image-promotion',
        });
        const signal = ctx.signal
          ? AbortSignal.any([ctx.signal, AbortSignal.timeout(requestTimeoutMs)])
          : AbortSignal.timeout(requestTimeoutMs);
        let response: Response;
        try {
          response = await fetch(`${baseUrl}${path}`, {
            method,
            headers: {
              Authorization: `Bearer ${token}`,
              ...(body ? { 'Content-Type': 'application/json' } : {}),
            },
            body: body ? JSON.stringify(body) : undefined,
            signal,
          });
        } catch (error) {
          throw new Error(
            `The image promotion API did not answer within ${Math.round(
              requestTimeoutMs / 1000,
            )} s (${(error as Error).message})`,
          );
        }
        const text = await response.text();
        let json: any;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        if (!response.ok) {
          throw new Error(
            `Image promotion refused (${response.status}): ${
              json?.error?.message ??
              (text.slice(0, 500) || response.statusText)
            }`,
          );
        }
        return json as Promotion;
      };

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would request the promotion of ${entityRef} into ${targetEnvironment}`,
        );
        return;
      }
      let promotion = await call('POST', '/promotions', {
        entityRef,
        targetEnvironment,
        ...Object.fromEntries(
          Object.entries(rest).filter(([, v]) => v !== undefined),
        ),
      });
      ctx.logger.info(
        `Promotion ${promotion.id} of ${promotion.digest} into ${
          promotion.targetEnvironment
        } is ${promotion.status}${
          promotion.eligibleAt ? ` (may start at ${promotion.eligibleAt})` : ''
        }`,
      );
      if (waitForCompletion) {
        const deadline = Date.now() + (timeoutMinutes ?? 30) * 60_000;
        let last = promotion.status;
        while (!FINAL.includes(promotion.status)) {
          if (Date.now() > deadline) {
            throw new Error(
              `Promotion ${promotion.id} is still ${promotion.status} after ${
                timeoutMinutes ?? 30
              } minutes; it goes on without this step`,
            );
          }
          await sleep(pollIntervalMs, undefined, { signal: ctx.signal });
          promotion = await call('GET', `/promotions/${promotion.id}`);
          if (promotion.status !== last) {
            ctx.logger.info(`Promotion ${promotion.id} is ${promotion.status}`);
            last = promotion.status;
          }
        }
        if (promotion.status !== 'succeeded') {
          throw new Error(
            `Promotion ${promotion.id} ${promotion.status}${
              promotion.failureReason ? `: ${promotion.failureReason}` : ''
            }`,
          );
        }
      }
      ctx.output('promotionId', promotion.id);
      ctx.output('status', promotion.status);
      ctx.output('digest', promotion.digest);
      ctx.output('targetTag', promotion.targetTag);
      if (promotion.eligibleAt) ctx.output('eligibleAt', promotion.eligibleAt);
    },
  });
}
