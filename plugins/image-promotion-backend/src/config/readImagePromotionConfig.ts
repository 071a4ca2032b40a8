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

import type { Config } from '@backstage/config';
import { resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import type { Pipeline, RegistryEndpoint } from '../domain/types';
import {
  configErrorMap,
  ImagePromotionConfigError,
  toConfigIssues,
} from './errors';
import {
  durationSchema,
  pipelineSchema,
  positiveDurationSchema,
} from './pipelineSchema';
import { registrySchema } from './registrySchema';
import type {
  ImagePromotionConfig,
  RegistryCredentialsConfig,
  TrackingConfig,
} from './types';
import { integer, strictObject } from './zodHelpers';

const ROOT_KEY = 'imagePromotion';
const WEBHOOK_SECRET_MIN_LENGTH = 16;

/** Tracking defaults: every 5 minutes, 8 registry requests at a time. */
export const DEFAULT_TRACKING: Readonly<TrackingConfig> = {
  frequencyMs: 5 * 60_000,
  timeoutMs: 10 * 60_000,
  concurrency: 8,
  initialDelayMs: 15_000,
  registryTimeoutMs: 60_000,
  recheckIntervalMs: 60 * 60_000,
};

/** An API request waits this long on registries before answering 504. */
export const DEFAULT_API_REQUEST_TIMEOUT_MS = 10_000;

function notEmpty(record: Record<string, unknown>): boolean {
  return Object.keys(record).length > 0;
}

const rootSchema = strictObject({
  registries: z.record(registrySchema).refine(notEmpty, {
    message: 'must define at least one registry',
  }),
  pipelines: z.record(pipelineSchema).refine(notEmpty, {
    message: 'must define at least one pipeline',
  }),
  tracking: strictObject({
    frequency: positiveDurationSchema.optional(),
    timeout: positiveDurationSchema.optional(),
    concurrency: integer(1, 256).optional(),
    registryConcurrency: z.record(integer(1, 256)).optional(),
    initialDelay: durationSchema.optional(),
    registryTimeout: positiveDurationSchema.optional(),
    recheckInterval: durationSchema.optional(),
  }).optional(),
  timeouts: strictObject({
    connect: positiveDurationSchema.optional(),
    response: positiveDurationSchema.optional(),
    idle: positiveDurationSchema.optional(),
    apiRequest: positiveDurationSchema.optional(),
  }).optional(),
  webhook: strictObject({
    secret: z.string().min(WEBHOOK_SECRET_MIN_LENGTH),
  }).optional(),
}).superRefine((root, ctx) => {
  const registryNames = Object.keys(root.registries);
  for (const [pipelineName, pipeline] of Object.entries(root.pipelines)) {
    const firstIndexById = new Map<string, number>();
    pipeline.environments.forEach((environment, index) => {
      const path = ['pipelines', pipelineName, 'environments', index];
      const earlier = firstIndexById.get(environment.id);
      if (earlier === undefined) {
        firstIndexById.set(environment.id, index);
      } else {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [...path, 'id'],
          message: `duplicate environment id "${environment.id}"; environments[${earlier}] already uses it`,
        });
      }
      // With no registries at all, that one problem is reported already.
      if (
        registryNames.length > 0 &&
        !registryNames.includes(environment.registry)
      ) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [...path, 'registry'],
          message: `unknown registry "${
            environment.registry
          }"; configured registries: ${registryNames.join(', ')}`,
        });
      }
    });
  }
  for (const registry of Object.keys(
    root.tracking?.registryConcurrency ?? {},
  )) {
    if (registryNames.length > 0 && !registryNames.includes(registry)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['tracking', 'registryConcurrency', registry],
        message: `unknown registry "${registry}"; configured registries: ${registryNames.join(
          ', ',
        )}`,
      });
    }
  }
  const pipelineNames = Object.keys(root.pipelines);
  const marked = pipelineNames.filter(
    name => root.pipelines[name].default === true,
  );
  if (marked.length > 1) {
    for (const name of marked) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['pipelines', name, 'default'],
        message: `only one pipeline may be the default, but default: true is set on ${marked
          .map(other => `"${other}"`)
          .join(', ')}`,
      });
    }
  } else if (marked.length === 0 && pipelineNames.length > 1) {
    const named = root.pipelines.default;
    if (!named || named.default === false) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['pipelines'],
        message: `none of the pipelines ${pipelineNames
          .map(name => `"${name}"`)
          .join(
            ', ',
          )} is the default; mark one with default: true (or name it "default")`,
      });
    }
  }
});

type RootConfig = z.output<typeof rootSchema>;

function findDefaultPipeline(pipelines: RootConfig['pipelines']): string {
  const names = Object.keys(pipelines);
  return (
    names.find(name => pipelines[name].default === true) ??
    (names.length === 1 ? names[0] : 'default')
  );
}

/** Options for {@link readImagePromotionConfig}. */
export interface ReadImagePromotionConfigOptions {
  /** Directory relative paths are resolved against; defaults to `process.cwd()`. */
  cwd?: string;
}

/**
 * Reads and validates `imagePromotion` from the root config.
 *
 * @throws ImagePromotionConfigError naming the full key path of every problem
 */
export function readImagePromotionConfig(
  config: Config,
  options: ReadImagePromotionConfigOptions = {},
): ImagePromotionConfig {
  const cwd = options.cwd ?? process.cwd();
  const raw = config.getOptional(ROOT_KEY);
  if (raw === undefined) {
    throw new ImagePromotionConfigError([
      {
        path: ROOT_KEY,
        message:
          'is missing; configure at least one entry under imagePromotion.registries and imagePromotion.pipelines',
      },
    ]);
  }
  const result = rootSchema.safeParse(raw, { errorMap: configErrorMap });
  if (!result.success) {
    throw new ImagePromotionConfigError(toConfigIssues(ROOT_KEY, result.error));
  }
  const root = result.data;

  const registries = new Map<string, RegistryEndpoint>();
  const registryCredentials = new Map<string, RegistryCredentialsConfig>();
  for (const [name, entry] of Object.entries(root.registries)) {
    if (entry.type === 'oci-layout') {
      registries.set(name, {
        name,
        type: 'oci-layout',
        directory: resolvePath(cwd, entry.directory),
      });
      continue;
    }
    registries.set(name, {
      name,
      type: 'registry',
      host: entry.host,
      ...(entry.pathPrefix ? { pathPrefix: entry.pathPrefix } : {}),
      insecure: entry.insecure,
    });
    if (entry.credentials) {
      registryCredentials.set(
        name,
        resolveCredentialPaths(entry.credentials, cwd),
      );
    }
  }

  const pipelines = new Map<string, Pipeline>();
  for (const [name, pipeline] of Object.entries(root.pipelines)) {
    pipelines.set(name, { name, environments: pipeline.environments });
  }

  return {
    registries,
    registryCredentials,
    pipelines,
    defaultPipeline: findDefaultPipeline(root.pipelines),
    tracking: {
      frequencyMs: root.tracking?.frequency ?? DEFAULT_TRACKING.frequencyMs,
      timeoutMs: root.tracking?.timeout ?? DEFAULT_TRACKING.timeoutMs,
      concurrency: root.tracking?.concurrency ?? DEFAULT_TRACKING.concurrency,
      ...(root.tracking?.registryConcurrency
        ? { registryConcurrency: { ...root.tracking.registryConcurrency } }
        : {}),
      initialDelayMs:
        root.tracking?.initialDelay ?? DEFAULT_TRACKING.initialDelayMs,
      registryTimeoutMs:
        root.tracking?.registryTimeout ?? DEFAULT_TRACKING.registryTimeoutMs,
      recheckIntervalMs:
        root.tracking?.recheckInterval ?? DEFAULT_TRACKING.recheckIntervalMs,
    },
    timeouts: {
      connectMs: root.timeouts?.connect,
      responseMs: root.timeouts?.response,
      idleMs: root.timeouts?.idle,
      apiRequestMs: root.timeouts?.apiRequest ?? DEFAULT_API_REQUEST_TIMEOUT_MS,
    },
    ...(root.webhook ? { webhook: { secret: root.webhook.secret } } : {}),
  };
}

function resolveCredentialPaths(
  credentials: RegistryCredentialsConfig,
  cwd: string,
): RegistryCredentialsConfig {
  switch (credentials.kind) {
    case 'docker-config':
      return { ...credentials, path: resolvePath(cwd, credentials.path) };
    case 'gar':
      return credentials.keyFile
        ? { ...credentials, keyFile: resolvePath(cwd, credentials.keyFile) }
        : credentials;
    default:
      return credentials;
  }
}
