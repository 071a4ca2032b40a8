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

import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { z } from 'zod';
import type { PromotionStatus } from '../domain/types';

// Request schemas of the REST API; src/schema/openapi.yaml describes the same
// rules for outside clients, and openapi.test.ts keeps the two in step.

const ENVIRONMENT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const NAME_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/** Every promotion status, for the `status` filter. */
export const PROMOTION_STATUSES = [
  'pending_approval',
  'queued',
  'copying',
  'verifying',
  'succeeded',
  'failed',
  'rejected',
  'cancelled',
] as const satisfies readonly PromotionStatus[];

/** Normalises an entity ref (`component:default/foo`, or `default/foo`, or `foo`) to its full lower-case kind and namespace form. */
export function normalizeEntityRef(value: string): string {
  return stringifyEntityRef(
    parseEntityRef(value, {
      defaultKind: 'component',
      defaultNamespace: 'default',
    }),
  );
}

const entityRef = z
  .string({ invalid_type_error: 'expected an entity ref string' })
  .trim()
  .min(1, 'expected an entity ref such as component:default/my-service')
  .max(512, 'an entity ref has at most 512 characters')
  .transform((value, ctx) => {
    try {
      return normalizeEntityRef(value);
    } catch {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `"${value}" is not an entity ref; expected kind:namespace/name, e.g. component:default/my-service`,
      });
      return z.NEVER;
    }
  });

const environmentId = z
  .string({ invalid_type_error: 'expected an environment id string' })
  .regex(
    ENVIRONMENT_ID,
    'expected an environment id: lowercase letters, digits, "-" and "_", at most 63 characters',
  );

const digest = z
  .string({ invalid_type_error: 'expected a digest string' })
  .regex(
    DIGEST,
    'expected a sha256 digest: "sha256:" followed by 64 lowercase hex characters',
  );

const tag = z
  .string({ invalid_type_error: 'expected a tag string' })
  .regex(
    TAG,
    'expected a tag: letters, digits, "_", "." and "-", at most 128 characters, not starting with "." or "-"',
  );

const promotionFields = {
  entityRef,
  targetEnvironment: environmentId,
  sourceEnvironment: environmentId.optional(),
  digest: digest.optional(),
  sourceTag: tag.optional(),
  targetTag: tag.optional(),
};

function digestOrSourceTag(
  value: { digest?: string; sourceTag?: string },
  ctx: z.RefinementCtx,
) {
  if (value.digest === undefined && value.sourceTag === undefined) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['digest'],
      message: 'give digest or sourceTag (the tag in the source environment)',
    });
  }
}

/** Body of `POST /promotions/preview`. */
export const previewBodySchema = z
  .object(promotionFields)
  .strict()
  .superRefine(digestOrSourceTag);

/** Body of `POST /promotions`. */
export const promotionBodySchema = z
  .object({
    ...promotionFields,
    reason: z
      .string({ invalid_type_error: 'expected a string' })
      .max(1000, 'at most 1000 characters')
      .optional(),
  })
  .strict()
  .superRefine(digestOrSourceTag);

/** Body of `POST /promotions/{id}/approve` and `/reject`. */
export const decisionBodySchema = z
  .object({
    comment: z
      .string({ invalid_type_error: 'expected a string' })
      .max(2000, 'at most 2000 characters')
      .optional(),
  })
  .strict();

/** Body of `POST /drift/{id}/acknowledge`. */
export const driftAcknowledgeBodySchema = decisionBodySchema;

/** Body of `POST /promotions/{id}/retry`. */
export const retryBodySchema = z
  .object({
    reason: z
      .string({ invalid_type_error: 'expected a string' })
      .max(1000, 'at most 1000 characters')
      .optional(),
  })
  .strict();

/** Query of `GET /entities/{namespace}/{kind}/{name}/drift`. */
export const driftHistoryQuerySchema = z
  .object({
    environment: z
      .string({ invalid_type_error: 'give environment once' })
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected an environment id')
      .optional(),
  })
  .strict();

/** Bodies of the endpoints that take none: absent or `{}`. */
export const emptyBodySchema = z.object({}).strict();

/** Path of `/entities/{namespace}/{kind}/{name}/...`. */
export const entityPathSchema = z
  .object({
    namespace: z.string().regex(NAME_PART, 'expected a catalog namespace'),
    kind: z.string().regex(NAME_PART, 'expected a catalog kind'),
    name: z.string().regex(NAME_PART, 'expected a catalog entity name'),
  })
  .transform(p =>
    stringifyEntityRef({ kind: p.kind, namespace: p.namespace, name: p.name }),
  );

/** Body of `PUT /entities/{namespace}/{kind}/{name}/auto-promotion`. */
export const autoPromotionBodySchema = z
  .object({
    paused: z.boolean({
      required_error:
        'give paused: true to pause auto-promotion, false to resume it',
      invalid_type_error: 'expected true or false',
    }),
    reason: z
      .string({ invalid_type_error: 'expected a string' })
      .max(500, 'at most 500 characters')
      .optional(),
  })
  .strict();

/** Input naming one component (the status action). */
export const entityRefSchema = z.object({ entityRef }).strict();

/** Path `{id}` of a promotion or drift event. */
export const idPathSchema = z.object({
  id: z
    .string()
    .uuid('expected a UUID such as 0b7a6f4e-3c1d-4e8a-9f2b-5d6c7e8f9a0b'),
});

/** A query value given once or repeated, each possibly comma-separated. */
function listOf<T extends z.ZodTypeAny>(item: T) {
  return z
    .union([z.string(), z.array(z.string())], {
      invalid_type_error: 'expected a string or a comma-separated list',
    })
    .transform(value =>
      (Array.isArray(value) ? value : [value])
        .flatMap(v => v.split(','))
        .map(v => v.trim())
        .filter(v => v.length > 0),
    )
    .pipe(z.array(item).max(100, 'at most 100 values'));
}

const integerString = (min: number, max: number, fallback: number) =>
  z
    .string({ invalid_type_error: 'expected a whole number' })
    .regex(/^\d{1,9}$/, `expected a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `expected at least ${min}`)
        .max(max, `expected at most ${max}`),
    )
    .optional()
    .transform(v => v ?? fallback);

/** An optional whole number in a query string. */
const optionalIntegerString = (min: number, max: number) =>
  z
    .string({ invalid_type_error: 'expected a whole number' })
    .regex(/^\d{1,9}$/, `expected a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `expected at least ${min}`)
        .max(max, `expected at most ${max}`),
    )
    .optional();

/** Query of `GET /promotions`. */
export const promotionListQuerySchema = z
  .object({
    entityRef: entityRef.optional(),
    environment: environmentId.optional(),
    status: listOf(
      z.enum(PROMOTION_STATUSES, {
        errorMap: () => ({
          message: `expected one of ${PROMOTION_STATUSES.join(', ')}`,
        }),
      }),
    ).optional(),
    limit: integerString(1, 200, 50),
    cursor: z
      .string({
        invalid_type_error: 'expected the nextCursor of a previous page',
      })
      .max(512, 'expected the nextCursor of a previous page')
      .optional(),
  })
  .strict();

/** Statuses `GET /overview` filters on. */
export const OVERVIEW_STATUSES = [
  'drift',
  'pending-approval',
  'failed',
  'unreadable',
  'behind',
  'in-sync',
] as const;

/** Query of `GET /overview`. */
export const overviewQuerySchema = z
  .object({
    owner: listOf(z.string().max(512)).optional(),
    system: listOf(z.string().max(512)).optional(),
    lifecycle: listOf(z.string().max(128)).optional(),
    status: listOf(
      z.enum(OVERVIEW_STATUSES, {
        errorMap: () => ({
          message: `expected one of ${OVERVIEW_STATUSES.join(', ')}`,
        }),
      }),
    ).optional(),
    q: z
      .string({ invalid_type_error: 'expected a search string' })
      .max(200, 'at most 200 characters')
      .optional(),
    /** Page size; every matching row when absent. */
    limit: optionalIntegerString(1, 10_000),
    /** Rows to skip, in entity ref order. */
    offset: optionalIntegerString(0, 100_000_000),
  })
  .strict();

/** Query of `GET /metrics`. */
export const metricsQuerySchema = z
  .object({
    days: integerString(1, 366, 90),
    owner: listOf(z.string().max(512)).optional(),
  })
  .strict();

/** The distribution notification envelope (only what is used). */
export const registryEnvelopeSchema = z.object({
  events: z
    .array(
      z
        .object({
          action: z.string({ required_error: 'expected the event action' }),
          target: z
            .object({
              repository: z
                .string({ required_error: 'expected the target repository' })
                .min(1)
                .max(512),
              tag: z.string().max(128).optional(),
              digest: z.string().max(200).optional(),
              mediaType: z.string().max(200).optional(),
            })
            .passthrough(),
          request: z
            .object({ host: z.string().max(512).optional() })
            .passthrough()
            .optional(),
        })
        .passthrough(),
      { invalid_type_error: 'expected an array of notification events' },
    )
    .max(1000, 'at most 1000 events per notification'),
});

/** A parsed promotion request body. */
export type PromotionBody = z.output<typeof promotionBodySchema>;
/** A parsed `GET /overview` query. */
export type OverviewQuery = z.output<typeof overviewQuerySchema>;
/** A parsed registry notification. */
export type RegistryEnvelope = z.output<typeof registryEnvelopeSchema>;
