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

import type { Pipeline, RegistryEndpoint } from '../domain/types';

/**
 * How the engine authenticates to one registry. Secrets live here and only
 * here; {@link RegistryEndpoint} never carries them.
 */
export type RegistryCredentialsConfig =
  | { kind: 'basic'; username: string; password: string }
  /** A docker `config.json`; `path` is absolute. */
  | { kind: 'docker-config'; path: string }
  /** Amazon ECR; without keys the default AWS credential chain is used. */
  | {
      kind: 'ecr';
      region?: string;
      accessKeyId?: string;
      secretAccessKey?: string;
      sessionToken?: string;
      roleArn?: string;
      /** ECR API endpoint override (VPC interface endpoint, local stand-in). */
      endpoint?: string;
    }
  /** Google Artifact Registry; without a key, application default credentials are used. */
  | { kind: 'gar'; keyFile?: string; keyJson?: string }
  /** Azure Container Registry; without a client secret, the default Azure credential is used. */
  | {
      kind: 'acr';
      tenantId?: string;
      clientId?: string;
      clientSecret?: string;
      /** Microsoft Entra authority of a sovereign cloud (`https://login.chinacloudapi.cn`). */
      authorityHost?: string;
    };

/** Schedule and parallelism of the tracking task. */
export interface TrackingConfig {
  frequencyMs: number;
  timeoutMs: number;
  /** Requests in flight at once to each registry (tag lists and lookups). */
  concurrency: number;
  /** {@link TrackingConfig.concurrency} of particular registries, by registry name. */
  registryConcurrency?: Readonly<Record<string, number>>;
  initialDelayMs: number;
  /**
   * Bound on one registry operation of a run (a tag listing, a tag lookup); a
   * registry that misses it, or refuses connections, is left alone for the
   * rest of the run so it holds up no other registry.
   */
  registryTimeoutMs: number;
  /**
   * How long a scheduled run trusts a tag it looked up before looking it up
   * again while the tag list does not change (0: every run looks up every
   * tag). New tags, the first environment's current tag and tags a
   * promotion moved are looked up on every run; webhook and manual
   * refreshes look up everything.
   */
  recheckIntervalMs: number;
}

/**
 * Deadlines of registry calls. The transport ones are left undefined when not
 * configured, so the engine's defaults apply.
 */
export interface TimeoutsConfig {
  /** TCP (and TLS) connect. */
  connectMs?: number;
  /** From a request sent to its response headers. */
  responseMs?: number;
  /** No body byte for this long while a body streams. */
  idleMs?: number;
  /** How long an API request (preview, request, approve, refresh) waits on registries before answering 504. */
  apiRequestMs: number;
}

/** The parsed and validated `imagePromotion` configuration. */
export interface ImagePromotionConfig {
  /** Registry endpoints by name. */
  registries: Map<string, RegistryEndpoint>;
  /** Credentials by registry name; registries without an entry are accessed anonymously. */
  registryCredentials: Map<string, RegistryCredentialsConfig>;
  /** Pipelines by name. */
  pipelines: Map<string, Pipeline>;
  /** Name of the pipeline used when a component has no `image-promotion.io/pipeline` annotation. */
  defaultPipeline: string;
  tracking: TrackingConfig;
  timeouts: TimeoutsConfig;
  /** Present when the registry-notification webhook is enabled. */
  webhook?: { secret: string };
}
