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
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { imagePromotionPermissions } from '@image-promotion/plugin-image-promotion-common';
import { registerActions } from './actions/registerActions';
import { AutoPromoter } from './automation/AutoPromoter';
import { AutoPromotionControl } from './automation/AutoPromotionControl';
import { ChangePreviewer, PromotionChanges } from './changes';
import { readImagePromotionConfig } from './config';
import { createStores, ReadModelQueries } from './database';
import { Announcer, combineListeners } from './notify';
import { PromotionService } from './promotion/PromotionService';
import { PromotionWorker } from './promotion/PromotionWorker';
import { RegistryAccess } from './registry/RegistryAccess';
import { CatalogComponentSource } from './service/ComponentRefresher';
import { CallerResolver } from './service/identity';
import {
  createPromotionOperations,
  createRouter,
  RouterOptions,
  WEBHOOK_PATH,
} from './service/router';
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
        actionsRegistry: actionsRegistryServiceRef,
      },
      async init(deps) {
        const { httpRouter, logger, lifecycle, scheduler } = deps;
        const config = readImagePromotionConfig(deps.rootConfig);
        const stores = await createStores({ database: deps.database });
        const readModels = await ReadModelQueries.create({
          database: deps.database,
        });
        const access = new RegistryAccess(config);
        const changes = new PromotionChanges({
          previewer: new ChangePreviewer({ access, store: stores.tags }),
          store: stores.changes,
          logger,
        });
        const announcer = new Announcer({
          stores,
          config,
          logger,
          notifications: deps.notifications,
          signals: deps.signals,
          access,
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
          changes,
        });
        const autoPromoter = new AutoPromoter({
          stores,
          config,
          service,
          logger,
          auditor: deps.auditor,
        });
        const tracker = new Tracker({
          stores,
          config,
          access,
          components: new CatalogComponentSource(deps.catalog, deps.auth),
          logger,
          listener: announcer,
          trackingErrors: stores.trackingErrors,
          // Promote when ready: a new version found by tracking.
          onNewVersions: change => autoPromoter.trackedNewVersions(change),
        });
        const worker = new PromotionWorker({
          stores,
          service,
          access,
          logger,
          // Promote when ready: a promotion that succeeded is a new version too.
          listener: combineListeners(announcer, autoPromoter.listener),
          planTimeoutMs: config.timeouts.apiRequestMs,
        });
        wakeWorker = () => worker.wake();
        lifecycle.addStartupHook(() => worker.start());
        lifecycle.addShutdownHook(async () => {
          await worker.stop();
          await autoPromoter.settled();
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

        const routerOptions: RouterOptions = {
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
          trackingErrors: stores.trackingErrors,
          listener: announcer,
          changes,
          autoPromotion: new AutoPromotionControl({
            stores,
            service,
          }),
        };
        // One set of checked, audited operations for the REST API and the
        // actions agents and templates call.
        const operations = createPromotionOperations(routerOptions);
        registerActions({
          actionsRegistry: deps.actionsRegistry,
          operations,
          callers: new CallerResolver(deps.httpAuth, deps.userInfo),
          deadlineMs: config.timeouts.apiRequestMs,
        });
        httpRouter.use(await createRouter({ ...routerOptions, operations }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
        httpRouter.addAuthPolicy({
          path: WEBHOOK_PATH,
          allow: 'unauthenticated',
        });
      },
    });
  },
});
