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

import { setTimeout as sleep } from 'node:timers/promises';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader, JsonObject } from '@backstage/config';
import { Knex } from 'knex';
import { ImagePromotionConfig, readImagePromotionConfig } from '../config';
import { ChangePreviewer, PromotionChanges } from '../changes';
import { createStores, ImagePromotionStores } from '../database';
import { Actor, PromotionService } from '../promotion/PromotionService';
import { PromotionWorker } from '../promotion/PromotionWorker';
import { RegistryAccess } from '../registry/RegistryAccess';
import { ComponentSource, Tracker } from '../tracking/Tracker';
import { createOciLayout, pushWithSkopeo } from './harness';

/** A database id TestDatabases knows. */
export type DatabaseId = Parameters<TestDatabases['init']>[0];

/** One environment of a test pipeline. */
export interface TestEnvironment {
  id: string;
  /** Name of a registry in the test config. */
  registry: string;
  /** Default `{{ image }}`. */
  repository?: string;
  currentTag?: string;
  /** As written in app-config (`approvals`, `soakTime`, `freezeWindows`, …). */
  policy?: JsonObject;
}

/** Options of {@link buildConfig}: registries as `name → host:port` (plain http, insecure). */
export interface TestConfigOptions {
  registries: Record<string, string>;
  environments: TestEnvironment[];
  tracking?: JsonObject;
}

/** The `imagePromotion` section of app-config for a test pipeline named `default`. */
export function rawConfig(options: TestConfigOptions): JsonObject {
  const registries: JsonObject = {};
  for (const [name, host] of Object.entries(options.registries)) {
    registries[name] = {
      type: 'registry',
      url: `http://${host}`,
      insecure: true,
    };
  }
  return {
    registries,
    pipelines: {
      default: {
        environments: options.environments.map(e => ({
          id: e.id,
          registry: e.registry,
          repository: e.repository ?? '{{ image }}',
          ...(e.currentTag ? { currentTag: e.currentTag } : {}),
          ...(e.policy ? { policy: e.policy } : {}),
        })),
      },
    },
    ...(options.tracking ? { tracking: options.tracking } : {}),
  };
}

/** The parsed config, read the way the plugin reads it. */
export function buildConfig(
  options: TestConfigOptions | JsonObject,
): ImagePromotionConfig {
  const raw =
    'environments' in options
      ? rawConfig(options as TestConfigOptions)
      : options;
  return readImagePromotionConfig(new ConfigReader({ imagePromotion: raw }));
}

/** A catalog component opted in with `image-promotion.io/image`. */
export function componentEntity(
  name: string,
  options: { image?: string; tagPattern?: string } = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'image-promotion.io/image': options.image ?? name,
        ...(options.tagPattern
          ? { 'image-promotion.io/tag-pattern': options.tagPattern }
          : {}),
      },
    },
    spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
  };
}

/** The entity ref of {@link componentEntity}. */
export function componentRef(name: string): string {
  return `component:default/${name}`;
}

/** A component source answering with a fixed list of entities. */
export function staticComponents(entities: Entity[]): ComponentSource {
  return { listAnnotatedEntities: async () => entities };
}

/** A user acting through the API. */
export function user(name: string, groups: string[] = []): Actor {
  const ref = `user:default/${name}`;
  return { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] };
}

/** Fresh migrated stores on a fresh database of the given kind. */
export async function createStore(
  databases: TestDatabases,
  databaseId: DatabaseId,
): Promise<{ knex: Knex; stores: ImagePromotionStores }> {
  const knex = await databases.init(databaseId);
  const stores = await createStores({
    database: mockServices.database({ knex }),
  });
  return { knex, stores };
}

/** Everything one backend replica builds around the stores. */
export interface Replica {
  config: ImagePromotionConfig;
  stores: ImagePromotionStores;
  access: RegistryAccess;
  service: PromotionService;
  tracker: Tracker;
  logger: LoggerService;
  /** A worker of this replica; stop it in the test (or rely on {@link Replica.stopWorkers}). */
  worker(options?: {
    owner?: string;
    leaseMs?: number;
    pollMs?: number;
    onCopyStarted?: (promotionId: string) => void;
  }): PromotionWorker;
  stopWorkers(): Promise<void>;
}

/** Wires stores, registries, tracker, service and workers as the plugin does. */
export function createReplica(options: {
  config: ImagePromotionConfig;
  stores: ImagePromotionStores;
  entities?: Entity[];
  now?: () => Date;
}): Replica {
  const { config, stores } = options;
  const logger = mockServices.logger.mock();
  const access = new RegistryAccess(config);
  const workers: PromotionWorker[] = [];
  const service = new PromotionService({
    stores,
    config,
    access,
    now: options.now,
    onQueued: () => workers.forEach(w => w.wake()),
    changes: new PromotionChanges({
      previewer: new ChangePreviewer({ access, store: stores.tags }),
      store: stores.changes,
      logger,
    }),
  });
  const tracker = new Tracker({
    stores,
    config,
    access,
    components: staticComponents(options.entities ?? []),
    logger,
  });
  return {
    config,
    stores,
    access,
    service,
    tracker,
    logger,
    worker(workerOptions = {}) {
      const worker = new PromotionWorker({
        stores,
        service,
        access,
        logger,
        pollMs: 100,
        now: options.now,
        ...workerOptions,
      });
      workers.push(worker);
      return worker;
    },
    async stopWorkers() {
      await Promise.all(workers.map(w => w.stop()));
    },
  };
}

/** A small random single-platform image pushed to a registry under each tag; returns its digest. */
export async function pushImage(
  repository: string,
  tags: string[],
  options: { layerSize?: number; layers?: number } = {},
): Promise<string> {
  const layout = await createOciLayout();
  try {
    const image = await layout.addImage({
      tag: 'src',
      layers: options.layers ?? 2,
      layerSize: options.layerSize ?? 8 * 1024,
    });
    for (const tag of tags) {
      await pushWithSkopeo(layout.dir, 'src', `${repository}:${tag}`);
    }
    return image.digest;
  } finally {
    await layout.cleanup();
  }
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(50);
  }
}
