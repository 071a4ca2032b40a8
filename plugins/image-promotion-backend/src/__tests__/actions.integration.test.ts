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
  AuditorServiceCreateEventOptions,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { randomUUID } from 'node:crypto';
import { ACTION_NAMES } from '../actions/registerActions';
import {
  skopeoInspectRawDigest,
  startRegistry,
  TestRegistry,
} from '../__testUtils__/harness';
import {
  componentEntity,
  pushImage,
  rawConfig,
} from '../__testUtils__/integrationRig';
import {
  createLayouts,
  startApi,
  TestApi,
  TestLayouts,
  waitForStatus,
} from '../__testUtils__/testBackend';

jest.setTimeout(120_000);

const API = '/api/image-promotion';
const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const MALLORY = 'user:default/mallory';
const id = (name: string) => `test:${name}`;

describe('actions in the Backstage actions registry', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  const registry = actionsRegistryServiceMock();
  const audit: AuditorServiceCreateEventOptions[] = [];
  const outcomes: string[] = [];
  let dev: TestRegistry;
  let shared: TestRegistry;
  let layouts: TestLayouts;
  let api: TestApi;
  let name: string;
  let digest: string;

  // Mallory may read but not promote or approve; only Bob may approve.
  const permissions = mockServices.permissions.mock({
    authorize: async (requests, options) =>
      requests.map(r => {
        const principal = options?.credentials.principal as {
          userEntityRef?: string;
        };
        const user = principal?.userEntityRef;
        const deny =
          (r.permission.name === 'image-promotion.promote' &&
            user === MALLORY) ||
          (r.permission.name === 'image-promotion.approve' && user !== BOB);
        return { result: deny ? AuthorizeResult.DENY : AuthorizeResult.ALLOW };
      }),
  });

  const invoke = (
    action: string,
    input: Record<string, unknown>,
    user: string = ALICE,
  ) =>
    registry.invoke({
      id: id(action),
      input: input as any,
      credentials: mockCredentials.user(user),
    });

  beforeAll(async () => {
    [dev, shared] = await Promise.all([startRegistry(), startRegistry()]);
    layouts = await createLayouts();
    name = `svc-${randomUUID().slice(0, 8)}`;
    digest = await pushImage(`${dev.host}/${name}`, ['1.0.0']);
    api = await startApi({
      databaseId: 'SQLITE_3',
      databases,
      layouts,
      entities: [componentEntity(name)],
      imagePromotion: {
        ...rawConfig({
          registries: { dev: dev.host, shared: shared.host },
          environments: [
            { id: 'dev', registry: 'dev' },
            { id: 'qa', registry: 'shared', repository: 'qa/{{ image }}' },
            {
              id: 'prod',
              registry: 'shared',
              repository: 'prod/{{ image }}',
              policy: { approvals: 1 },
            },
          ],
        }),
        tracking: { initialDelay: '1h', frequency: '1h' },
      },
      extraFeatures: [
        permissions.factory,
        createServiceFactory({
          service: actionsRegistryServiceRef,
          deps: {},
          factory: () => registry,
        }),
        createServiceFactory({
          service: coreServices.auditor,
          deps: {},
          factory: () => ({
            createEvent: async options => {
              audit.push(options);
              return {
                success: async () => {
                  outcomes.push(`${options.eventId}: success`);
                },
                fail: async ({ error }) => {
                  outcomes.push(`${options.eventId}: ${error.name}`);
                },
              };
            },
          }),
        }),
      ],
    });
    const refreshed = await api.http
      .post(`${API}/entities/default/component/${name}/refresh`)
      .set('Authorization', mockCredentials.user.header(ALICE));
    if (refreshed.status !== 200) {
      throw new Error(`refresh answered ${refreshed.status}`);
    }
  });

  afterAll(async () => {
    await api?.stop();
    await layouts?.cleanup();
    await Promise.all([dev?.stop(), shared?.stop()]);
  });

  it('lists the four actions with described input and output schemas', async () => {
    const { actions } = await registry.list();
    expect(actions.map(a => a.name).sort()).toEqual(
      Object.values(ACTION_NAMES).sort(),
    );
    for (const action of actions) {
      expect(action.description.length).toBeGreaterThan(80);
      const input = action.schema.input as {
        properties: Record<string, { description?: string }>;
      };
      expect(Object.keys(input.properties).length).toBeGreaterThan(0);
      for (const property of Object.values(input.properties)) {
        expect(property.description).toBeTruthy();
      }
      expect(action.schema.output).toMatchObject({ type: 'object' });
    }
    const byName = new Map(actions.map(a => [a.name, a]));
    expect(byName.get(ACTION_NAMES.status)?.attributes.readOnly).toBe(true);
    expect(byName.get(ACTION_NAMES.promote)?.attributes.destructive).toBe(true);
  });

  it('answers the status of every environment', async () => {
    const { output } = await invoke(ACTION_NAMES.status, {
      entityRef: `default/${name}`,
    });
    expect(output).toMatchObject({
      entityRef: `component:default/${name}`,
      image: name,
      environments: [
        { id: 'dev', current: { digest } },
        { id: 'qa', current: null },
        { id: 'prod', current: null, policy: { approvals: 1 } },
      ],
    });
  });

  it('previews a promotion with every gate', async () => {
    const { output } = await invoke(ACTION_NAMES.preview, {
      entityRef: `component:default/${name}`,
      targetEnvironment: 'qa',
      sourceTag: '1.0.0',
    });
    expect(output).toMatchObject({
      digest,
      sourceEnvironment: 'dev',
      targetEnvironment: 'qa',
      allowed: true,
      canRequest: true,
    });
    const gates = (output as { gates: { gate: string; passed: boolean }[] })
      .gates;
    expect(gates.map(g => g.gate)).toEqual(
      expect.arrayContaining(['order', 'permission']),
    );
    expect(gates.every(g => g.passed)).toBe(true);
  });

  it('promotes into qa: the same digest lands in the qa registry, audited as the action', async () => {
    const { output } = await invoke(ACTION_NAMES.promote, {
      entityRef: `component:default/${name}`,
      targetEnvironment: 'qa',
      sourceTag: '1.0.0',
      reason: 'an agent asked',
    });
    const promotion = (output as { promotion: { id: string } }).promotion;
    expect(promotion).toMatchObject({
      status: 'queued',
      digest,
      requestedBy: ALICE,
      reason: 'an agent asked',
    });
    const done = await waitForStatus(
      api.http,
      promotion.id,
      mockCredentials.user.header(ALICE),
      ['succeeded', 'failed'],
    );
    expect(done.status).toBe('succeeded');
    expect(
      await skopeoInspectRawDigest(`${shared.host}/qa/${name}:1.0.0`),
    ).toBe(digest);
    expect(audit).toContainEqual(
      expect.objectContaining({
        eventId: 'promotion-request',
        meta: expect.objectContaining({
          via: 'actions-registry',
          action: ACTION_NAMES.promote,
          actor: ALICE,
          entityRef: `component:default/${name}`,
        }),
      }),
    );
  });

  it('waits for approval into prod, refuses the requester and Mallory, runs once Bob approves', async () => {
    const { output } = await invoke(ACTION_NAMES.promote, {
      entityRef: `component:default/${name}`,
      targetEnvironment: 'prod',
      digest,
    });
    const promotion = (output as { promotion: { id: string } }).promotion;
    expect(promotion).toMatchObject({ status: 'pending_approval' });

    await expect(
      invoke(ACTION_NAMES.approve, { promotionId: promotion.id }, MALLORY),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('image-promotion.approve'),
    });
    expect(outcomes).toContain('promotion-approve: NotAllowedError');

    const approved = await invoke(
      ACTION_NAMES.approve,
      { promotionId: promotion.id, comment: 'looks good' },
      BOB,
    );
    expect(approved.output).toMatchObject({
      promotion: { id: promotion.id, status: 'queued' },
    });
    const done = await waitForStatus(
      api.http,
      promotion.id,
      mockCredentials.user.header(ALICE),
      ['succeeded', 'failed'],
    );
    expect(done.status).toBe('succeeded');
    expect(
      await skopeoInspectRawDigest(`${shared.host}/prod/${name}:1.0.0`),
    ).toBe(digest);
  });

  it('refuses a caller lacking the promote permission and creates nothing', async () => {
    const before = await api.http
      .get(`${API}/promotions?entityRef=component:default/${name}`)
      .set('Authorization', mockCredentials.user.header(ALICE));
    await expect(
      invoke(
        ACTION_NAMES.promote,
        {
          entityRef: `component:default/${name}`,
          targetEnvironment: 'qa',
          sourceTag: '1.0.0',
        },
        MALLORY,
      ),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining(
        'you lack the image-promotion.promote permission',
      ),
    });
    const after = await api.http
      .get(`${API}/promotions?entityRef=component:default/${name}`)
      .set('Authorization', mockCredentials.user.header(ALICE));
    expect(after.body.totalCount).toBe(before.body.totalCount);
    expect(outcomes).toContain('promotion-request: NotAllowedError');

    // The preview tells Mallory why, without refusing to answer.
    const { output } = await invoke(
      ACTION_NAMES.preview,
      {
        entityRef: `component:default/${name}`,
        targetEnvironment: 'qa',
        sourceTag: '1.0.0',
      },
      MALLORY,
    );
    expect(output).toMatchObject({ allowed: false, canRequest: false });
  });

  it('refuses an anonymous caller and bad input with clear messages', async () => {
    await expect(
      registry.invoke({
        id: id(ACTION_NAMES.status),
        input: { entityRef: `component:default/${name}` },
        credentials: mockCredentials.none(),
      }),
    ).rejects.toMatchObject({ name: 'AuthenticationError' });
    await expect(
      invoke(ACTION_NAMES.promote, {
        entityRef: `component:default/${name}`,
        targetEnvironment: 'qa',
        digest: 'sha256:nope',
      }),
    ).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining('input digest'),
    });
    await expect(
      invoke(ACTION_NAMES.approve, { promotionId: 'not-a-uuid' }, BOB),
    ).rejects.toMatchObject({ name: 'InputError' });
  });
});
