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

import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import {
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import permissionBackend from '@backstage/plugin-permission-backend';
import {
  AuthorizeResult,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { actorAuthServiceFactory } from '../__testUtils__/actorAuth';
import {
  generatedEntities,
  generatedOwner,
  generatedRef,
  insertGeneratedComponents,
  OWNERS,
} from '../__testUtils__/seedCatalog';
import { createStores } from '../database';
import imagePromotionPlugin from '../index';

jest.setTimeout(300_000);

// The issue: above ~480 components the overview asked the permission
// backend about every entity in one request and got 413. Here 2,000 tracked
// components, the real permission backend and a policy as a platform team
// writes it: admins read everything, everybody else what they own
// (a conditional decision with the catalog's isEntityOwner).

const COMPONENTS = 2000;
const API = '/api/image-promotion';
const ADMIN = 'user:default/admin';
/** Member of team 3, so owner of every 10th component. */
const LEAD = 'user:default/lead-3';
const NOBODY = 'user:default/nobody';
const TEAM = 'group:default/team-3';

class OwnerPolicy implements PermissionPolicy {
  readonly queries: string[] = [];

  async handle(
    query: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    this.queries.push(query.permission.name);
    if (user?.info.userEntityRef === ADMIN) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (isResourcePermission(query.permission, 'catalog-entity')) {
      return createCatalogConditionalDecision(
        query.permission,
        catalogConditions.isEntityOwner({
          claims: user?.info.ownershipEntityRefs ?? [],
        }),
      );
    }
    return { result: AuthorizeResult.DENY };
  }
}

/** Users and their ownership claims, as the sign-in resolver would give them. */
const userInfoFactory = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials) {
      const principal = credentials.principal as { userEntityRef: string };
      const ref = principal.userEntityRef;
      return {
        userEntityRef: ref,
        ownershipEntityRefs: ref === LEAD ? [ref, TEAM] : [ref],
      };
    },
  }),
});

describe('overview and metrics at 2,000 components', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it.each(databases.eachSupportedId())(
    'answer every permitted row and nothing else, with one permission question per request, %p',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const root = await mkdtemp(join(tmpdir(), 'image-promotion-scale-'));
      const policy = new OwnerPolicy();
      const stores = await createStores({
        database: { getClient: async () => knex },
      });
      await insertGeneratedComponents(knex, {
        count: COMPONENTS,
        environments: ['dev', 'prod'],
      });
      // A succeeded promotion into prod for the first 30 components: three
      // of them (3, 13, 23) are team 3's.
      for (let i = 0; i < 30; i++) {
        const promotion = await stores.promotions.createPromotion({
          entityRef: generatedRef(i),
          sourceEnvironment: 'dev',
          targetEnvironment: 'prod',
          digest: `sha256:${String(i % 10).repeat(64)}`,
          targetTag: '1.0.1',
          status: 'queued',
          requestedBy: 'user:default/releaser',
        });
        await stores.promotions.transition(promotion.id, {
          from: ['queued'],
          to: 'succeeded',
          actor: 'system',
        });
      }

      const backend = await startTestBackend({
        features: [
          imagePromotionPlugin,
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              permission: { enabled: true },
              imagePromotion: {
                registries: {
                  dev: { type: 'oci-layout', directory: join(root, 'dev') },
                  prod: { type: 'oci-layout', directory: join(root, 'prod') },
                },
                pipelines: {
                  default: {
                    default: true,
                    environments: [
                      { id: 'dev', registry: 'dev', repository: '{{ image }}' },
                      {
                        id: 'prod',
                        registry: 'prod',
                        repository: '{{ image }}',
                      },
                    ],
                  },
                },
                tracking: { initialDelay: '1h', frequency: '1h' },
              },
            },
          }),
          catalogServiceMock.factory({
            entities: generatedEntities(0, COMPONENTS),
          }),
          userInfoFactory,
          actorAuthServiceFactory,
          permissionsServiceFactory,
          permissionBackend,
          createBackendModule({
            pluginId: 'permission',
            moduleId: 'owner-policy',
            register(reg) {
              reg.registerInit({
                deps: { policies: policyExtensionPoint },
                async init({ policies }) {
                  policies.setPolicy(policy);
                },
              });
            },
          }),
        ],
      });
      const http = request(backend.server);
      const as = (user: string) => mockCredentials.user.header(user);
      const ask = async (path: string, user: string) => {
        policy.queries.length = 0;
        const res = await http
          .get(`${API}${path}`)
          .set('Authorization', as(user));
        return { res, questions: policy.queries.length };
      };

      try {
        const all = await ask('/overview', ADMIN);
        expect(all.res.status).toBe(200);
        expect(all.res.body.totalCount).toBe(COMPONENTS);
        expect(all.res.body.items).toHaveLength(COMPONENTS);
        expect(all.questions).toBe(1);
        const first = all.res.body.items[0];
        expect(first.entityRef).toBe(generatedRef(0));
        expect(first.environments.map((e: { id: string }) => e.id)).toEqual([
          'dev',
          'prod',
        ]);
        // Without a promotion, prod holds 1.0.0, first seen in dev 7 days
        // ago, and dev 1.0.1, first seen 1 day ago: one version behind.
        expect(all.res.body.items[100].statuses).toEqual(['behind']);
        expect(all.res.body.items[100].environments[1].behind).toEqual({
          versions: 1,
          days: 6,
        });

        const mine = await ask('/overview', LEAD);
        expect(mine.res.status).toBe(200);
        expect(mine.res.body.totalCount).toBe(COMPONENTS / OWNERS);
        expect(mine.res.body.items).toHaveLength(COMPONENTS / OWNERS);
        expect(
          mine.res.body.items.every(
            (item: { entityRef: string; owner: string }) =>
              item.owner === TEAM &&
              generatedOwner(Number(item.entityRef.split('-')[1])) === TEAM,
          ),
        ).toBe(true);
        expect(mine.questions).toBe(1);

        const page = await ask('/overview?limit=50&offset=150', LEAD);
        expect(page.res.status).toBe(200);
        expect(page.res.body.totalCount).toBe(COMPONENTS / OWNERS);
        expect(
          page.res.body.items.map((i: { entityRef: string }) => i.entityRef),
        ).toEqual(
          Array.from({ length: 50 }, (_, k) =>
            generatedRef((150 + k) * 10 + 3),
          ),
        );

        const none = await ask('/overview', NOBODY);
        expect(none.res.status).toBe(200);
        expect(none.res.body).toEqual({ items: [], totalCount: 0 });

        const metricsAll = await ask('/metrics', ADMIN);
        expect(metricsAll.res.status).toBe(200);
        expect(metricsAll.questions).toBe(1);
        expect(metricsAll.res.body.deploymentFrequency).toEqual([
          expect.objectContaining({ environment: 'prod', total: 30 }),
        ]);

        const metricsMine = await ask('/metrics', LEAD);
        expect(metricsMine.res.status).toBe(200);
        expect(metricsMine.questions).toBe(1);
        expect(metricsMine.res.body.deploymentFrequency).toEqual([
          expect.objectContaining({ environment: 'prod', total: 3 }),
        ]);
      } finally {
        await backend.stop();
        await rm(root, { recursive: true, force: true });
        await knex.destroy();
      }
    },
  );
});
