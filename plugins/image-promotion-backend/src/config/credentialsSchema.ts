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

import { z } from 'zod';
import type { RegistryCredentialsConfig } from './types';
import {
  isPlainObject,
  nonEmptyString,
  parseNested,
  strictObject,
  taggedUnion,
} from './zodHelpers';

const basicSchema = strictObject({
  username: nonEmptyString,
  password: z.string().min(1),
}).transform(
  (value): RegistryCredentialsConfig => ({
    kind: 'basic',
    username: value.username,
    password: value.password,
  }),
);

const dockerConfigSchema = strictObject({
  dockerConfig: nonEmptyString,
}).transform(
  (value): RegistryCredentialsConfig => ({
    kind: 'docker-config',
    path: value.dockerConfig,
  }),
);

function requireTogether(
  value: Record<string, string | undefined>,
  ctx: z.RefinementCtx,
  key: string,
  needs: string[],
): void {
  if (value[key] === undefined) return;
  for (const other of needs) {
    if (value[other] === undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [other],
        message: `is required when ${key} is set`,
      });
    }
  }
}

const ecrSchema = strictObject({
  provider: z.literal('ecr'),
  region: nonEmptyString.optional(),
  accessKeyId: nonEmptyString.optional(),
  secretAccessKey: z.string().min(1).optional(),
  sessionToken: z.string().min(1).optional(),
  roleArn: nonEmptyString.optional(),
  endpoint: z
    .string()
    .url({
      message:
        'must be the URL of the ECR API, e.g. https://api.ecr.eu-west-1.amazonaws.com',
    })
    .optional(),
})
  .superRefine((value, ctx) => {
    requireTogether(value, ctx, 'accessKeyId', ['secretAccessKey']);
    requireTogether(value, ctx, 'secretAccessKey', ['accessKeyId']);
    requireTogether(value, ctx, 'sessionToken', [
      'accessKeyId',
      'secretAccessKey',
    ]);
  })
  .transform(
    ({ provider: _, ...rest }): RegistryCredentialsConfig => ({
      kind: 'ecr',
      ...rest,
    }),
  );

const garSchema = strictObject({
  provider: z.literal('gar'),
  keyFile: nonEmptyString.optional(),
  keyJson: z.string().min(1).optional(),
})
  .superRefine((value, ctx) => {
    if (value.keyFile !== undefined && value.keyJson !== undefined) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['keyJson'],
        message: 'cannot be combined with keyFile; set one of them',
      });
    }
    if (value.keyJson !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value.keyJson);
      } catch {
        // JSON.parse's message quotes the input, which is a private key here.
        parsed = undefined;
      }
      if (!isPlainObject(parsed)) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['keyJson'],
          message: 'must be the JSON text of a service account key',
        });
      }
    }
  })
  .transform(
    ({ provider: _, ...rest }): RegistryCredentialsConfig => ({
      kind: 'gar',
      ...rest,
    }),
  );

const acrSchema = strictObject({
  provider: z.literal('acr'),
  tenantId: nonEmptyString.optional(),
  clientId: nonEmptyString.optional(),
  clientSecret: z.string().min(1).optional(),
  // MSAL only accepts an https authority.
  authorityHost: z
    .string()
    .url()
    .refine(url => url.startsWith('https://'), {
      message:
        'must be an https:// URL such as https://login.microsoftonline.us',
    })
    .optional(),
})
  .superRefine((value, ctx) => {
    requireTogether(value, ctx, 'clientSecret', ['tenantId', 'clientId']);
  })
  .transform(
    ({ provider: _, ...rest }): RegistryCredentialsConfig => ({
      kind: 'acr',
      ...rest,
    }),
  );

const providerSchema = taggedUnion<RegistryCredentialsConfig>('provider', {
  ecr: ecrSchema,
  gar: garSchema,
  acr: acrSchema,
});

/**
 * `credentials` of a registry: `{ username, password }`, `{ dockerConfig }`
 * or `{ provider: ecr | gar | acr, ... }`, told apart by their keys.
 */
export const credentialsSchema = z
  .unknown()
  .transform((value, ctx): RegistryCredentialsConfig => {
    if (!isPlainObject(value) || Object.keys(value).length === 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message:
          'must be { username, password }, { dockerConfig: <path to config.json> } or { provider: ecr | gar | acr, ... }',
      });
      return z.NEVER;
    }
    if ('provider' in value) {
      return parseNested(providerSchema, value, ctx);
    }
    if ('dockerConfig' in value) {
      return parseNested(dockerConfigSchema, value, ctx);
    }
    return parseNested(basicSchema, value, ctx);
  });
