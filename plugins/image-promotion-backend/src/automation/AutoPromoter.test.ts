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

import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/config';
import { randomUUID } from 'node:crypto';
import { Promotion } from '../database';
import { startRegistry, TestRegistry } from '../__testUtils__/harness';
import {
  buildConfig,
  componentEntity,
  componentRef,
  createReplica,
  createStore,
  pushImage,
  rawConfig,
} from '../__testUtils__/integrationRig';
import { AutoPromoter } from './AutoPromoter';

jest.setTimeout(60_000);

describe('AutoPromoter', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  /** dev → qa (autoPromote) on one real registry, dev holding 1.0.0, tracked. */
  async function setup() {
    const name = `svc-${randomUUID().slice(0, 8)}`;
    const digest = await pushImage(`${registry.host}/${name}`, ['1.0.0']);
    const raw = rawConfig({
      registries: { reg: registry.host },
      environments: [
        { id: 'dev', registry: 'reg' },
        { id: 'qa', registry: 'reg', repository: 'qa/{{ image }}' },
      ],
    });
    const environments = (raw.pipelines as JsonObject).default as JsonObject;
    ((environments.environments as JsonObject[])[1] as JsonObject).autoPromote =
      true;
    const { stores } = await createStore(databases, 'SQLITE_3');
    const config = buildConfig(raw);
    const replica = createReplica({
      config,
      stores,
      entities: [componentEntity(name)],
    });
    await replica.tracker.refreshAll();
    const promoter = new AutoPromoter({
      stores,
      config,
      service: replica.service,
      logger: mockServices.logger.mock(),
    });
    const ref = componentRef(name);
    const succeededIntoDev = (isRollback: boolean) =>
      promoter.listener.promotionChanged({
        promotion: {
          ...({} as Promotion),
          entityRef: ref,
          targetEnvironment: 'dev',
          status: 'succeeded',
          isRollback,
        },
        previous: 'verifying',
        actor: 'worker',
      });
    const promotions = async () =>
      (await stores.promotions.listPromotions({ entityRef: ref, limit: 10 }))
        .items;
    return { promoter, ref, digest, succeededIntoDev, promotions };
  }

  it('passes a version a promotion brought on, once', async () => {
    const { promoter, ref, digest, succeededIntoDev, promotions } =
      await setup();
    succeededIntoDev(false);
    await promoter.settled();
    expect(await promotions()).toEqual([
      expect.objectContaining({
        targetEnvironment: 'qa',
        digest,
        status: 'queued',
        requestedBy: 'auto-promotion',
      }),
    ]);
    // Noticed again (another replica, another tracking run): still one.
    expect(await promoter.newVersionIn(ref, 'dev', 'tracking')).toBeUndefined();
    succeededIntoDev(false);
    await promoter.settled();
    expect(await promotions()).toHaveLength(1);
  });

  it('does not pass on a rollback', async () => {
    const { promoter, succeededIntoDev, promotions } = await setup();
    succeededIntoDev(true);
    await promoter.settled();
    expect(await promotions()).toEqual([]);
  });
});
