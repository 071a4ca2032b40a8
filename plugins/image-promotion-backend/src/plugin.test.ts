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
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import {
  createLayouts,
  imagePromotionConfig,
  TestLayouts,
} from './__testUtils__/testBackend';
import imagePromotionPlugin from './index';

jest.setTimeout(60_000);

describe('imagePromotionPlugin', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let layouts: TestLayouts;

  beforeAll(async () => {
    layouts = await createLayouts();
  });

  afterAll(async () => {
    await layouts.cleanup();
  });

  async function start(data: object) {
    const scheduler = mockServices.scheduler.mock();
    const backend = await startTestBackend({
      features: [
        imagePromotionPlugin,
        mockServices.database.factory({
          knex: await databases.init('SQLITE_3'),
        }),
        mockServices.rootConfig.factory({ data }),
        scheduler.factory,
        catalogServiceMock.factory({ entities: [] }),
      ],
    });
    return { backend, scheduler };
  }

  it('answers /health without credentials', async () => {
    const { backend } = await start(imagePromotionConfig(layouts));
    const response = await request(backend.server)
      .get('/api/image-promotion/health')
      .set('Authorization', mockCredentials.none.header());
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
    await backend.stop();
  });

  // The test backend treats a request without a header as a user, so "none" is sent explicitly.
  it('requires credentials for every other route', async () => {
    const { backend } = await start(imagePromotionConfig(layouts));
    const response = await request(backend.server)
      .get('/api/image-promotion/overview')
      .set('Authorization', mockCredentials.none.header());
    expect(response.status).toBe(401);
    await backend.stop();
  });

  it('schedules tracking once per interval across replicas', async () => {
    const { backend, scheduler } = await start(imagePromotionConfig(layouts));
    expect(scheduler.scheduleTask).toHaveBeenCalledTimes(1);
    expect(scheduler.scheduleTask).toHaveBeenCalledWith(
      expect.objectContaining({
        id: 'image-promotion-tracking',
        scope: 'global',
        frequency: { milliseconds: 60 * 60 * 1000 },
        initialDelay: { milliseconds: 60 * 60 * 1000 },
      }),
    );
    await backend.stop();
  });

  it('fails start-up with a message naming the bad config key', async () => {
    const config = imagePromotionConfig(layouts);
    await expect(
      start({
        imagePromotion: {
          ...config.imagePromotion,
          pipelines: {
            default: {
              environments: [
                { id: 'dev', registry: 'nowhere', repository: '{{ image }}' },
              ],
            },
          },
        },
      }),
    ).rejects.toThrow(/imagePromotion\.pipelines\.default\.environments/);
  });
});
