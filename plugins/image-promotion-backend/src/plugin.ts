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

import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { imagePromotionPermissions } from '@image-promotion/plugin-image-promotion-common';
import { readImagePromotionConfig } from './config';
import { createStores, ReadModelQueries } from './database';
import { Announcer } from './notify';
import { PromotionService } from './promotion/PromotionService';
import { PromotionWorker } from './promotion/PromotionWorker';
import { RegistryAccess } from './registry/RegistryAccess';
import { CatalogComponentSource } from './service/ComponentRefresher';
import { createRouter, WEBHOOK_PATH } from './service/router';
import { Tracker } from './tracking/Tracker';

/**
 * The image promotion backend plugin: tracking, policy-gated promotions and
 * the REST API under `/api/image-promotion`.
 *
 * @public
 */
export const imagePromotionPlugin = createBackendPlugin({
  pluginId: 'image-promotion',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        userInfo: coreServices.userInfo,
        auth: coreServices.auth,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        logger: coreServices.logger,
        rootConfig: coreServices.rootConfig,
        auditor: coreServices.auditor,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
        notifications: notificationService,
        signals: signalsServiceRef,
      },
      async init(deps) {
        const { httpRouter, logger, lifecycle, scheduler } = deps;
        const config = readImagePromotionConfig(deps.rootConfig);
        const stores = await createStores({ database: deps.database });
        const readModels = await ReadModelQueries.create({
          database: deps.database,
        });
        const access = new RegistryAccess(config);
        const announcer = new Announcer({
          stores,
          config,
          logger,
          notifications: deps.notifications,
          signals: deps.signals,
          access,
        });
        const tracker = new Tracker({
          stores,
          config,
          access,
          components: new CatalogComponentSource(deps.catalog, deps.auth),
          logger,
          listener: announcer,
        });
        // The worker needs the service and the service wakes the worker:
        // queued promotions start at once instead of at the next poll.
        let wakeWorker = () => {};
        const service = new PromotionService({
          stores,
          config,
          access,
          onQueued: () => wakeWorker(),
          listener: announcer,
        });
        const worker = new PromotionWorker({
          stores,
          service,
          access,
          logger,
          listener: announcer,
          planTimeoutMs: config.timeouts.apiRequestMs,
        });
        wakeWorker = () => worker.wake();
        lifecycle.addStartupHook(() => worker.start());
        lifecycle.addShutdownHook(async () => {
          await worker.stop();
          await announcer.settled();
        });

        await scheduler.scheduleTask({
          id: 'image-promotion-tracking',
          frequency: { milliseconds: config.tracking.frequencyMs },
          timeout: { milliseconds: config.tracking.timeoutMs },
          initialDelay: { milliseconds: config.tracking.initialDelayMs },
          scope: 'global',
          fn: async signal => {
            await tracker.refreshAll(signal);
          },
        });

        deps.permissionsRegistry.addPermissions(imagePromotionPermissions);

        httpRouter.use(
          await createRouter({
            logger,
            httpAuth: deps.httpAuth,
            userInfo: deps.userInfo,
            permissions: deps.permissions,
            auth: deps.auth,
            auditor: deps.auditor,
            catalog: deps.catalog,
            config,
            stores,
            readModels,
            access,
            tracker,
            service,
            listener: announcer,
          }),
        );
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        httpRouter.addAuthPolicy({
          path: WEBHOOK_PATH,
          allow: 'unauthenticated',
        });
      },
    });
  },
});
