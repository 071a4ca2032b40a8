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
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { seedImage } from '../__testUtils__/seedLayout';
import {
  component,
  createLayouts,
  startApi,
  TestApi,
  TestLayouts,
  waitForStatus,
  WEBHOOK_SECRET,
} from '../__testUtils__/testBackend';

jest.setTimeout(60_000);

const API = '/api/image-promotion';
const alice = mockCredentials.user.header('user:default/alice');
const bob = mockCredentials.user.header('user:default/bob');

describe('permissions', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let layouts: TestLayouts;
  let api: TestApi;
  let digest: string;
  // Bob may approve; nobody may promote service-b; nobody may read service-c.
  const permissions = mockServices.permissions.mock({
    authorize: async (requests, options) =>
      requests.map(r => {
        const ref = 'resourceRef' in r ? r.resourceRef : undefined;
        const user =
          options?.credentials.principal &&
          typeof options.credentials.principal === 'object' &&
          'userEntityRef' in options.credentials.principal
            ? options.credentials.principal.userEntityRef
            : undefined;
        const deny =
          (r.permission.name === 'image-promotion.promote' &&
            ref === 'component:default/service-b') ||
          (r.permission.name === 'image-promotion.approve' &&
            user !== 'user:default/bob') ||
          ref === 'component:default/service-c';
        return { result: deny ? AuthorizeResult.DENY : AuthorizeResult.ALLOW };
      }),
    // Lists ask once; a rule of the policy's own that the catalog cannot
    // query makes the plugin ask authorize about the candidates in batches.
    authorizeConditional: async requests =>
      requests.map(() => ({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_NOT_SERVICE_C',
          resourceType: 'catalog-entity',
          params: {},
        },
      })),
  });

  beforeAll(async () => {
    layouts = await createLayouts();
    digest = await seedImage(layouts.dev, 'team/service-b', '1.0.0');
    await seedImage(layouts.dev, 'team/service-c', '1.0.0');
    await seedImage(layouts.dev, 'team/service-d', '1.0.0');
    api = await startApi({
      databaseId: 'SQLITE_3',
      databases,
      layouts,
      webhook: false,
      entities: [
        component('service-b'),
        component('service-c'),
        component('service-d'),
      ],
      extraFeatures: [permissions.factory],
    });
    for (const name of ['service-b', 'service-c', 'service-d']) {
      await api.http
        .post(`${API}/entities/default/component/${name}/refresh`)
        .set('Authorization', bob);
    }
  });

  afterAll(async () => {
    await api?.stop();
    await layouts?.cleanup();
  });

  const request = {
    entityRef: 'component:default/service-b',
    targetEnvironment: 'qa',
    sourceTag: '1.0.0',
  };

  it('shows a failed permission gate in the preview', async () => {
    const res = await api.http
      .post(`${API}/promotions/preview`)
      .set('Authorization', alice)
      .send(request);
    expect(res.status).toBe(200);
    expect(res.body.allowed).toBe(false);
    expect(res.body.gates).toContainEqual({
      gate: 'permission',
      passed: false,
      message: expect.stringContaining('image-promotion.promote'),
    });
    expect(res.body.digest).toBe(digest);
  });

  it('answers 403 naming the permission when promoting is denied', async () => {
    const res = await api.http
      .post(`${API}/promotions`)
      .set('Authorization', alice)
      .send(request);
    expect(res.status).toBe(403);
    expect(res.body.error.name).toBe('NotAllowedError');
    expect(res.body.error.message).toMatch(/image-promotion\.promote/);
    const list = await api.http
      .get(`${API}/promotions`)
      .set('Authorization', alice);
    expect(list.body.totalCount).toBe(0);
  });

  it('answers 403 when reading a component is denied, and hides it from the overview', async () => {
    const status = await api.http
      .get(`${API}/entities/default/component/service-c/status`)
      .set('Authorization', alice);
    expect(status.status).toBe(403);
    expect(status.body.error.message).toMatch(/image-promotion\.read/);
    const overview = await api.http
      .get(`${API}/overview`)
      .set('Authorization', alice);
    expect(
      overview.body.items.map((i: { entityRef: string }) => i.entityRef),
    ).toEqual(['component:default/service-b', 'component:default/service-d']);
  });

  it('answers 403 naming the permission when approving is denied', async () => {
    const qa = await api.http
      .post(`${API}/promotions`)
      .set('Authorization', bob)
      .send({ ...request, entityRef: 'component:default/service-d' });
    expect(qa.status).toBe(202);
    await waitForStatus(api.http, qa.body.id, bob, ['succeeded']);
    const prod = await api.http
      .post(`${API}/promotions`)
      .set('Authorization', bob)
      .send({
        entityRef: 'component:default/service-d',
        targetEnvironment: 'prod',
        sourceTag: '1.0.0',
      });
    expect(prod.body.status).toBe('pending_approval');

    const res = await api.http
      .post(`${API}/promotions/${prod.body.id}/approve`)
      .set('Authorization', alice)
      .send({});
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/image-promotion\.approve/);
  });

  it('answers 404 on the webhook when no secret is configured', async () => {
    const res = await api.http
      .post(`${API}/webhook/registry`)
      .set('Authorization', `Token ${WEBHOOK_SECRET}`)
      .send({ events: [] });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/imagePromotion\.webhook\.secret/);
  });
});
