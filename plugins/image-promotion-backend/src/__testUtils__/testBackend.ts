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

import type { ServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockServices,
  startTestBackend,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import imagePromotionPlugin from '../index';

/** The registry password in the test config; must never appear in a response. */
export const REGISTRY_PASSWORD = 'hunter2-registry-password-do-not-leak';
/** The webhook secret in the test config. */
export const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef';

/** A catalog component that opted in with `image-promotion.io/image`. */
export function component(
  name: string,
  /** `image: null` leaves the annotation out. */
  options: { image?: string | null; owner?: string; system?: string } = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations:
        options.image === null
          ? {}
          : { 'image-promotion.io/image': options.image ?? name },
    },
    spec: {
      type: 'service',
      lifecycle: 'production',
      owner: options.owner ?? 'team-a',
      ...(options.system ? { system: options.system } : {}),
    },
  };
}

/** The test environment: registry directories and the config around them. */
export interface TestLayouts {
  root: string;
  dev: string;
  qa: string;
  prod: string;
  cleanup(): Promise<void>;
}

/** Creates one oci-layout registry directory per environment. */
export async function createLayouts(): Promise<TestLayouts> {
  const root = await mkdtemp(join(tmpdir(), 'image-promotion-api-'));
  return {
    root,
    dev: join(root, 'dev'),
    qa: join(root, 'qa'),
    prod: join(root, 'prod'),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** The `imagePromotion` config: dev → qa (currentTag qa) → prod (one approval). */
export function imagePromotionConfig(
  layouts: TestLayouts,
  options: { webhook?: boolean } = {},
) {
  const webhook = options.webhook ?? true;
  return {
    imagePromotion: {
      registries: {
        dev: { type: 'oci-layout', directory: layouts.dev },
        qa: { type: 'oci-layout', directory: layouts.qa },
        prod: { type: 'oci-layout', directory: layouts.prod },
        // Configured but unused by the default pipeline: its password must
        // never show up anywhere.
        external: {
          type: 'registry',
          url: 'https://registry.example.com',
          credentials: { username: 'robot', password: REGISTRY_PASSWORD },
        },
      },
      pipelines: {
        default: {
          default: true,
          environments: [
            { id: 'dev', registry: 'dev', repository: 'team/{{ image }}' },
            {
              id: 'qa',
              title: 'QA',
              registry: 'qa',
              repository: 'team/{{ image }}',
              currentTag: 'qa',
            },
            {
              id: 'prod',
              title: 'Production',
              registry: 'prod',
              repository: 'team/{{ image }}',
              policy: { approvals: 1 },
            },
          ],
        },
        external: {
          environments: [
            { id: 'build', registry: 'external', repository: '{{ image }}' },
            {
              id: 'release',
              registry: 'external',
              repository: 'release/{{ image }}',
            },
          ],
        },
      },
      tracking: { initialDelay: '1h', frequency: '1h' },
      ...(webhook ? { webhook: { secret: WEBHOOK_SECRET } } : {}),
    },
  };
}

/** Options of {@link startApi}. */
export interface StartApiOptions {
  databaseId: TestDatabaseId;
  databases: TestDatabases;
  layouts: TestLayouts;
  entities: Entity[];
  webhook?: boolean;
  extraFeatures?: ServiceFactory[];
  /** Replaces the `imagePromotion` config section (default {@link imagePromotionConfig}). */
  imagePromotion?: object;
}

/** A running test backend. */
export interface TestApi {
  server: Server;
  http: TestAgent;
  stop(): Promise<void>;
}

/** A supertest agent on the test backend. */
export type TestAgent = ReturnType<typeof request>;

/** Starts a test backend with the real plugin on a fresh database. */
export async function startApi(options: StartApiOptions): Promise<TestApi> {
  const knex = await options.databases.init(options.databaseId);
  const backend = await startTestBackend({
    features: [
      imagePromotionPlugin,
      mockServices.database.factory({ knex }),
      mockServices.rootConfig.factory({
        data: options.imagePromotion
          ? { imagePromotion: options.imagePromotion }
          : imagePromotionConfig(options.layouts, {
              webhook: options.webhook,
            }),
      }),
      catalogServiceMock.factory({ entities: options.entities }),
      ...(options.extraFeatures ?? []),
    ],
  });
  return {
    server: backend.server,
    http: request(backend.server),
    stop: () => backend.stop(),
  };
}

/** Polls a promotion until it reaches one of `statuses`. */
export async function waitForStatus(
  http: TestAgent,
  id: string,
  header: string,
  statuses: string[],
  timeoutMs = 20_000,
): Promise<{ status: string; failureReason: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await http
      .get(`/api/image-promotion/promotions/${id}`)
      .set('Authorization', header);
    if (statuses.includes(res.body.status)) return res.body;
    if (Date.now() > deadline) {
      throw new Error(
        `promotion ${id} is ${res.body.status} (${
          res.body.failureReason
        }), not ${statuses.join('/')}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}
