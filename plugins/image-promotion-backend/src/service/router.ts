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
  AuditorService,
  AuthService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  ConflictError,
  NotFoundError,
} from '@backstage/errors';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import express, { RequestHandler } from 'express';
import Router from 'express-promise-router';
import { headlineOf, type PromotionChanges } from '../changes';
import type { ImagePromotionConfig } from '../config';
import type {
  ImagePromotionStores,
  TrackingErrorStore,
  ReadModelQueries,
} from '../database';
import type { PromotionListener } from '../notify';
import { PermissionGuard, PermittedEntities } from '../permissions';
import type { PromotionService } from '../promotion/PromotionService';
import type { RegistryAccess } from '../registry/RegistryAccess';
import type { Tracker } from '../tracking/Tracker';
import type { AutoPromotionControl } from '../automation/AutoPromotionControl';
import type {
  AutoPromotionState,
  DriftHistory,
  PromotionPage,
  PromotionPreview,
  RegistryWebhookResponse,
} from '@image-promotion/plugin-image-promotion-common';
import { ApprovalInboxReadModel } from './ApprovalInboxReadModel';
import { audited } from './audit';
import { ComponentRefresher } from './ComponentRefresher';
import { createErrorHandler } from './errorHandler';
import { CallerResolver } from './identity';
import { toDriftResponse, toPromotionResponse } from './mappers';
import { MetricsReadModel } from './MetricsReadModel';
import { OverviewReadModel } from './OverviewReadModel';
import { parseInput } from './parse';
import { PromotionDetailsReadModel } from './PromotionDetailsReadModel';
import { PromotionOperations } from './PromotionOperations';
import { requestDeadline } from './requestSignal';
import {
  autoPromotionBodySchema,
  decisionBodySchema,
  driftAcknowledgeBodySchema,
  driftHistoryQuerySchema,
  emptyBodySchema,
  entityPathSchema,
  idPathSchema,
  metricsQuerySchema,
  overviewQuerySchema,
  previewBodySchema,
  promotionBodySchema,
  promotionListQuerySchema,
  registryEnvelopeSchema,
  retryBodySchema,
} from './schemas';
import { StatusReadModel } from './StatusReadModel';
import { isAuthorizedNotification, pushedRepositories } from './webhook';

/** Largest JSON body accepted; requests are small documents. */
export const BODY_LIMIT = '64kb';
/** Largest registry notification accepted (distribution batches events). */
export const WEBHOOK_BODY_LIMIT = '1mb';

/** Path of the registry-notification webhook; open to unauthenticated callers, guarded by a shared secret. */
export const WEBHOOK_PATH = '/webhook/registry';

/** What the HTTP layer needs from the plugin environment. */
export interface RouterOptions {
  logger: LoggerService;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
  auth: AuthService;
  auditor: AuditorService;
  catalog: CatalogService;
  config: ImagePromotionConfig;
  stores: ImagePromotionStores;
  readModels: ReadModelQueries;
  access: RegistryAccess;
  tracker: Tracker;
  service: PromotionService;
  /** Why tracking could not read environments, for their lanes. */
  trackingErrors?: TrackingErrorStore;
  /** Told about drift acknowledgements, for live updates. */
  listener?: PromotionListener;
  /** Auto-promotion's pause per service. */
  autoPromotion: AutoPromotionControl;
  /** Compares a candidate with the target's current image (preview). */
  changes: PromotionChanges;
  /** The operations the actions registry shares; built here when not given. */
  operations?: PromotionOperations;
}

/** The checked, audited operations the REST handlers and the registered actions share. */
export function createPromotionOperations(
  options: RouterOptions,
): PromotionOperations {
  return new PromotionOperations({
    ...options,
    guard: new PermissionGuard(options.permissions),
    status: new StatusReadModel(options),
  });
}

/** Builds the REST API of the plugin; handlers validate and delegate, they hold no logic. */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { logger, auditor, config, stores, service } = options;
  const callers = new CallerResolver(options.httpAuth, options.userInfo);
  const guard = new PermissionGuard(options.permissions);
  const permitted = new PermittedEntities(options);
  const status = new StatusReadModel(options);
  const overview = new OverviewReadModel(options);
  const metrics = new MetricsReadModel(options);
  const refresher = new ComponentRefresher(options);
  const details = new PromotionDetailsReadModel(options);
  const inbox = new ApprovalInboxReadModel(options);
  const operations = options.operations ?? createPromotionOperations(options);

  const router = Router();
  // The webhook is routed before any body is read, so its secret is checked
  // first on every spelling of its path Express matches (any letter case, a
  // trailing slash), and only then is its (larger) body read: anonymous
  // callers learn nothing and cost nothing.
  const webhookSecret: RequestHandler = (req, _res, next) => {
    if (!config.webhook) {
      throw new NotFoundError(
        'The registry webhook is not enabled; set imagePromotion.webhook.secret to enable it',
      );
    }
    if (!isAuthorizedNotification(req.headers, config.webhook.secret)) {
      throw new AuthenticationError(
        'Missing or wrong webhook secret; send it as "Authorization: Token <secret>" or in the X-Image-Promotion-Secret header',
      );
    }
    next();
  };
  router.post(
    WEBHOOK_PATH,
    webhookSecret,
    // distribution sends application/vnd.docker.distribution.events.v1+json
    express.json({
      limit: WEBHOOK_BODY_LIMIT,
      type: ['application/json', 'application/*+json'],
    }),
    async (req, res) => {
      const envelope = parseInput(registryEnvelopeSchema, req.body, 'body');
      const repositories = pushedRepositories(envelope);
      const refreshed = await audited(
        auditor,
        {
          eventId: 'webhook-refresh',
          request: req,
          meta: { repositories },
        },
        () => refresher.refreshRepositories(repositories),
        entityRefs => ({ refreshed: entityRefs }),
      );
      const response: RegistryWebhookResponse = { refreshed };
      res.json(response);
    },
  );

  router.use(express.json({ limit: BODY_LIMIT }));

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/entities/:namespace/:kind/:name/status', async (req, res) => {
    const entityRef = parseInput(entityPathSchema, req.params, 'path');
    const credentials = await callers.credentials(req);
    res.json(await operations.status(entityRef, { credentials }));
  });

  router.post('/entities/:namespace/:kind/:name/refresh', async (req, res) => {
    const entityRef = parseInput(entityPathSchema, req.params, 'path');
    parseInput(emptyBodySchema, req.body ?? {}, 'body');
    const credentials = await callers.credentials(req);
    await guard.require('read', entityRef, credentials);
    await audited(
      auditor,
      { eventId: 'component-refresh', request: req, meta: { entityRef } },
      () =>
        refresher.refreshOne(
          entityRef,
          credentials,
          requestDeadline(res, config.timeouts.apiRequestMs),
        ),
      result => ({
        environments: result.environments.map(e => ({
          id: e.id,
          tags: e.tags,
          newDigests: e.newDigests,
          drift: e.drift,
          ...(e.error ? { error: e.error } : {}),
        })),
      }),
    );
    res.json(await status.status(entityRef));
  });

  router.post('/promotions/preview', async (req, res) => {
    const body = parseInput(previewBodySchema, req.body, 'body');
    const response: PromotionPreview = await operations.preview(
      body,
      await callers.caller(req),
      requestDeadline(res, config.timeouts.apiRequestMs),
    );
    res.json(response);
  });

  router.post('/promotions', async (req, res) => {
    const body = parseInput(promotionBodySchema, req.body, 'body');
    const promotion = await operations.request(
      body,
      await callers.caller(req),
      { request: req },
      requestDeadline(res, config.timeouts.apiRequestMs),
    );
    res.status(202).json(toPromotionResponse(promotion));
  });

  router.get('/promotions', async (req, res) => {
    const query = parseInput(promotionListQuerySchema, req.query, 'query');
    const credentials = await callers.credentials(req);
    if (query.entityRef) {
      await guard.require('read', query.entityRef, credentials);
    }
    const page = await stores.promotions.listPromotions({
      entityRef: query.entityRef,
      environment: query.environment,
      status: query.status?.length ? query.status : undefined,
      limit: query.limit,
      cursor: query.cursor,
    });
    // Without an entityRef the page may mix components; drop the ones the
    // caller may not read (totalCount still counts them).
    const readable = query.entityRef
      ? undefined
      : await permitted.filter(
          'read',
          page.items.map(p => p.entityRef),
          credentials,
        );
    const items = page.items.filter(
      p => !readable || readable.has(p.entityRef),
    );
    const summaries = await options.stores.changes.getMany(
      items.map(p => p.id),
    );
    const response: PromotionPage = {
      items: items.map(toPromotionResponse),
      changes: Object.fromEntries(
        [...summaries].map(([id, summary]) => [id, headlineOf(summary)]),
      ),
      totalCount: page.totalCount,
      nextCursor: page.nextCursor ?? null,
    };
    res.json(response);
  });

  router.get('/promotions/:id', async (req, res) => {
    const { id } = parseInput(idPathSchema, req.params, 'path');
    const { credentials, actor } = await callers.caller(req);
    const promotion = await stores.promotions.getPromotion(id);
    if (!promotion) throw new NotFoundError(`promotion ${id} does not exist`);
    await guard.require('read', promotion.entityRef, credentials);
    const [promote, approve] = await Promise.all([
      guard.check('promote', promotion.entityRef, credentials),
      guard.check('approve', promotion.entityRef, credentials),
    ]);
    res.json(
      await details.details(promotion, actor, {
        promote: promote.allowed,
        approve: approve.allowed,
      }),
    );
  });

  router.post('/promotions/:id/retry', async (req, res) => {
    const { id } = parseInput(idPathSchema, req.params, 'path');
    const { reason } = parseInput(retryBodySchema, req.body ?? {}, 'body');
    const { credentials, actor } = await callers.caller(req);
    const previous = await stores.promotions.getPromotion(id);
    if (!previous) throw new NotFoundError(`promotion ${id} does not exist`);
    const promotion = await audited(
      auditor,
      {
        eventId: 'promotion-request',
        severityLevel: 'medium',
        request: req,
        meta: {
          retryOf: id,
          entityRef: previous.entityRef,
          targetEnvironment: previous.targetEnvironment,
          digest: previous.digest,
          targetTag: previous.targetTag,
        },
      },
      async () => {
        await guard.require('promote', previous.entityRef, credentials);
        return service.retry(id, actor, reason);
      },
      created => ({
        promotionId: created.id,
        status: created.status,
        digest: created.digest,
      }),
    );
    res.status(202).json(toPromotionResponse(promotion));
  });

  router.get('/approvals', async (req, res) => {
    parseInput(emptyBodySchema, req.query, 'query');
    const { credentials, actor } = await callers.caller(req);
    res.json(
      await inbox.inbox(actor, refs =>
        permitted.filter('approve', refs, credentials),
      ),
    );
  });

  for (const decision of ['approve', 'reject'] as const) {
    router.post(`/promotions/:id/${decision}`, async (req, res) => {
      const { id } = parseInput(idPathSchema, req.params, 'path');
      const { comment } = parseInput(
        decisionBodySchema,
        req.body ?? {},
        'body',
      );
      const updated = await operations.decide(
        decision,
        id,
        comment,
        await callers.caller(req),
        { request: req },
        requestDeadline(res, config.timeouts.apiRequestMs),
      );
      res.json(toPromotionResponse(updated));
    });
  }

  router.post('/promotions/:id/cancel', async (req, res) => {
    const { id } = parseInput(idPathSchema, req.params, 'path');
    parseInput(emptyBodySchema, req.body ?? {}, 'body');
    const { credentials, actor } = await callers.caller(req);
    const promotion = await stores.promotions.getPromotion(id);
    if (!promotion) throw new NotFoundError(`promotion ${id} does not exist`);
    const updated = await audited(
      auditor,
      {
        eventId: 'promotion-cancel',
        request: req,
        meta: {
          promotionId: id,
          entityRef: promotion.entityRef,
          targetEnvironment: promotion.targetEnvironment,
          previousStatus: promotion.status,
        },
      },
      async () => {
        await guard.require('promote', promotion.entityRef, credentials);
        return service.cancel(id, actor);
      },
      result => ({ status: result.status }),
    );
    res.json(toPromotionResponse(updated));
  });

  router.get('/entities/:namespace/:kind/:name/drift', async (req, res) => {
    const entityRef = parseInput(entityPathSchema, req.params, 'path');
    const { environment } = parseInput(
      driftHistoryQuerySchema,
      req.query,
      'query',
    );
    const credentials = await callers.credentials(req);
    await guard.require('read', entityRef, credentials);
    const events = await stores.drift.listDriftHistory({
      entityRef,
      environment,
    });
    const response: DriftHistory = { items: events.map(toDriftResponse) };
    res.json(response);
  });

  router.post('/drift/:id/acknowledge', async (req, res) => {
    const { id } = parseInput(idPathSchema, req.params, 'path');
    const { comment } = parseInput(
      driftAcknowledgeBodySchema,
      req.body ?? {},
      'body',
    );
    const { credentials, actor } = await callers.caller(req);
    const event = await stores.drift.getDriftEvent(id);
    if (!event) throw new NotFoundError(`drift event ${id} does not exist`);
    await audited(
      auditor,
      {
        eventId: 'drift-acknowledge',
        request: req,
        meta: {
          driftId: id,
          entityRef: event.entityRef,
          environment: event.environment,
          tag: event.tag,
        },
      },
      async () => {
        await guard.require('promote', event.entityRef, credentials);
        const acknowledged = await stores.drift.acknowledgeDrift(
          id,
          actor.userEntityRef,
          comment?.trim() || null,
        );
        if (!acknowledged) {
          throw new ConflictError(
            `drift event ${id} was already acknowledged${
              event.acknowledgedBy ? ` by ${event.acknowledgedBy}` : ''
            }`,
          );
        }
      },
    );
    const acknowledged = (await stores.drift.getDriftEvent(id)) ?? event;
    options.listener?.driftAcknowledged(acknowledged);
    res.json(toDriftResponse(acknowledged));
  });

  router.get(
    '/entities/:namespace/:kind/:name/auto-promotion',
    async (req, res) => {
      const entityRef = parseInput(entityPathSchema, req.params, 'path');
      const credentials = await callers.credentials(req);
      await guard.require('read', entityRef, credentials);
      const response: AutoPromotionState = await options.autoPromotion.state(
        entityRef,
      );
      res.json(response);
    },
  );

  router.put(
    '/entities/:namespace/:kind/:name/auto-promotion',
    async (req, res) => {
      const entityRef = parseInput(entityPathSchema, req.params, 'path');
      const { paused, reason } = parseInput(
        autoPromotionBodySchema,
        req.body ?? {},
        'body',
      );
      const { credentials, actor } = await callers.caller(req);
      const { state } = await audited(
        auditor,
        {
          eventId: 'auto-promotion-pause',
          request: req,
          meta: { entityRef, paused },
        },
        async () => {
          await guard.require('promote', entityRef, credentials);
          return options.autoPromotion.setPaused(
            entityRef,
            paused,
            actor,
            reason?.trim() || null,
          );
        },
        result => ({ cancelled: result.cancelled }),
      );
      res.json(state);
    },
  );

  router.get('/overview', async (req, res) => {
    const query = parseInput(overviewQuerySchema, req.query, 'query');
    const credentials = await callers.credentials(req);
    res.json(
      await overview.overview(query, candidates =>
        permitted.scope('read', credentials, { candidates }),
      ),
    );
  });

  router.get('/metrics', async (req, res) => {
    const { days, owner } = parseInput(metricsQuerySchema, req.query, 'query');
    const credentials = await callers.credentials(req);
    res.json(
      await metrics.metrics(
        days,
        candidates => permitted.scope('read', credentials, { candidates }),
        { owner },
      ),
    );
  });

  // A path no route matches (an empty or mistyped segment) gets a sentence
  // too, not a bare 404.
  router.use((req, _res, next) => {
    next(
      new NotFoundError(
        `No API route ${req.method} ${req.path}; see the plugin's OpenAPI description for the routes and their paths`,
      ),
    );
  });
  router.use(createErrorHandler(logger));
  return router;
}
