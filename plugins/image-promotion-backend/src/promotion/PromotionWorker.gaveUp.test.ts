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

import { mockServices } from '@backstage/backend-test-utils';
import type { NotificationSendOptions } from '@backstage/plugin-notifications-node';
import { buildConfig } from '../__testUtils__/integrationRig';
import {
  promotionInput,
  storeDatabases,
  t,
} from '../database/__testUtils__/storeTests';
import { MAX_PROMOTION_ATTEMPTS } from '../database/PromotionQueue';
import { Announcer } from '../notify';
import { RegistryAccess } from '../registry/RegistryAccess';
import { PromotionService } from './PromotionService';
import { PromotionWorker } from './PromotionWorker';

jest.setTimeout(60_000);

/**
 * A promotion whose every attempt ended with its replica dying is failed by
 * the next claim: its requester hears of it like of any other failure.
 */
describe('a promotion given up after its last lease', () => {
  const { databases, createStore } = storeDatabases();

  it.each(databases.eachSupportedId())(
    'is announced to its requester, %p',
    async databaseId => {
      const { stores } = await createStore(databaseId);
      const config = buildConfig({
        registries: { dev: '127.0.0.1:9', qa: '127.0.0.1:9' },
        environments: [
          { id: 'dev', registry: 'dev' },
          { id: 'qa', registry: 'qa' },
        ],
      });
      const promotion = await stores.promotions.createPromotion(
        promotionInput(),
      );
      for (let attempt = 1; attempt <= MAX_PROMOTION_ATTEMPTS; attempt++) {
        await stores.queue.claimNextPromotion({
          owner: `replica-${attempt}`,
          leaseMs: 60_000,
          now: t(attempt * 10),
        });
      }

      const sent: NotificationSendOptions[] = [];
      const logger = mockServices.logger.mock();
      const access = new RegistryAccess(config);
      const announcer = new Announcer({
        stores,
        config,
        logger,
        access,
        notifications: {
          send: async options => {
            sent.push(options);
          },
        },
      });
      const worker = new PromotionWorker({
        stores,
        service: new PromotionService({ stores, config, access }),
        access,
        logger,
        listener: announcer,
        now: () => t(100),
      });

      expect(await worker.runOnce()).toBe(false);
      await announcer.settled();

      expect((await stores.promotions.getPromotion(promotion.id))?.status).toBe(
        'failed',
      );
      expect(sent).toHaveLength(1);
      expect(sent[0].recipients).toEqual({
        type: 'entity',
        entityRef: ['user:default/jane'],
      });
      expect(sent[0].payload.title).toBe('Failed: payments 1.0.0 → qa');
      expect(sent[0].payload.description).toMatch(
        /failed: Gave up after 5 attempts: each time, the replica running it \(last replica-5\) stopped/,
      );
    },
  );
});
