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

import { normalizePathPrefix } from '@image-promotion/plugin-image-promotion-node';
import { z } from 'zod';
import type { RegistryCredentialsConfig } from './types';
import { credentialsSchema } from './credentialsSchema';
import { ValueProblem } from './ValueProblem';
import {
  booleanish,
  nonEmptyString,
  strictObject,
  taggedUnion,
} from './zodHelpers';

/** A registry as read from config, before names and paths are attached. */
export type RegistryConfigEntry =
  | {
      type: 'registry';
      host: string;
      /** Path the API lives under (`/artifactory/api/docker/<repo>`); absent for `/v2/` at the root. */
      pathPrefix?: string;
      insecure: boolean;
      credentials?: RegistryCredentialsConfig;
    }
  | { type: 'oci-layout'; directory: string };

const HTTP_HINT =
  'use https://, or http:// together with insecure: true for a registry you trust on this network';

/**
 * The `host[:port]` and API path prefix of a registry base URL such as
 * `https://registry.example.com` or
 * `https://art.example.com/artifactory/api/docker/docker-prod` (a registry
 * whose `/v2/` lives under a path). The URL itself is never quoted back: it
 * might carry credentials.
 */
export function registryLocation(
  url: string,
  insecure: boolean,
): { host: string; pathPrefix: string } {
  const text = url.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new ValueProblem(
      `must start with a scheme, e.g. https://registry.example.com; ${HTTP_HINT}`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ValueProblem('is not a valid URL');
  }
  if (parsed.username || parsed.password) {
    throw new ValueProblem(
      'must not contain a user name or password; move them to credentials: { username, password }',
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ValueProblem(
      `uses the scheme "${parsed.protocol.slice(0, -1)}"; ${HTTP_HINT}`,
    );
  }
  if (parsed.protocol === 'http:' && !insecure) {
    throw new ValueProblem(
      'uses plain http://, which is only allowed with insecure: true; use https://, or set insecure: true for a registry you trust on this network',
    );
  }
  if (parsed.search || parsed.hash) {
    throw new ValueProblem(
      "must be the registry's base URL without a query or fragment (https://host, or https://host/<path> for a registry serving /v2/ under a path)",
    );
  }
  let pathPrefix: string;
  try {
    pathPrefix = normalizePathPrefix(decodeURI(parsed.pathname));
  } catch {
    throw new ValueProblem(
      "has a path that cannot be a registry's API prefix; use https://host, or https://host/<path> for a registry serving /v2/ under a path such as https://art.example.com/artifactory/api/docker/docker-prod",
    );
  }
  return { host: parsed.host, pathPrefix };
}

const ociLayoutSchema = strictObject({
  type: z.literal('oci-layout'),
  directory: nonEmptyString,
}).transform(
  (value): RegistryConfigEntry => ({
    type: 'oci-layout',
    directory: value.directory,
  }),
);

const remoteSchema = strictObject({
  type: z.literal('registry'),
  url: z.string(),
  insecure: booleanish.default(false),
  credentials: credentialsSchema.optional(),
}).transform((value, ctx): RegistryConfigEntry => {
  let location: { host: string; pathPrefix: string };
  try {
    location = registryLocation(value.url, value.insecure);
  } catch (error) {
    if (!(error instanceof ValueProblem)) throw error;
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['url'],
      message: error.message,
    });
    return z.NEVER;
  }
  return {
    type: 'registry',
    host: location.host,
    ...(location.pathPrefix ? { pathPrefix: location.pathPrefix } : {}),
    insecure: value.insecure,
    ...(value.credentials ? { credentials: value.credentials } : {}),
  };
});

/** One entry of `imagePromotion.registries`. */
export const registrySchema = taggedUnion<RegistryConfigEntry>('type', {
  registry: remoteSchema,
  'oci-layout': ociLayoutSchema,
});
