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
  AuthService,
  BackstageCredentials,
  BackstageUserPrincipal,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  componentEntity,
  createLayouts,
  pushImage,
  rawConfig,
  skopeoInspectRawDigest,
  startApi,
  startRegistry,
  TestApi,
  TestLayouts,
  TestRegistry,
} from '../__testUtils__/backendRig';
import { createPromoteAction } from './promote';

jest.setTimeout(120_000);

const ALICE = 'user:default/alice';
const MALLORY = 'user:default/mallory';

/**
 * A scaffolder action context run by `user` (createMockActionContext always
 * answers with a mock user's credentials, so they are set here).
 */
function as(user: string, input: Record<string, unknown>) {
  return {
    ...createMockActionContext({ input: input as any }),
    getInitiatorCredentials: async () => mockCredentials.user(user),
  };
}

describe('image-promotion:promote', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let dev: TestRegistry;
  let shared: TestRegistry;
  let layouts: TestLayouts;
  let api: TestApi;
  let name: string;
  let digest: string;
  let action: ReturnType<typeof createPromoteAction>;

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
          ],
        }),
        tracking: { initialDelay: '1h', frequency: '1h' },
      },
      extraFeatures: [
        // Mallory may not promote.
        mockServices.permissions.mock({
          authorize: async (requests, options) =>
            requests.map(r => {
              const principal = options?.credentials.principal as {
                userEntityRef?: string;
              };
              const deny =
                r.permission.name === 'image-promotion.promote' &&
                principal?.userEntityRef === MALLORY;
              return {
                result: deny ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
              };
            }),
        }).factory,
      ],
    });
    const port = (api.server.address() as AddressInfo).port;
    // A real on-behalf-of token names the user who runs the template; the
    // mock auth service's names a mock service, so this one issues user tokens.
    const auth = {
      getPluginRequestToken: async ({
        onBehalfOf,
      }: {
        onBehalfOf: BackstageCredentials;
      }) => ({
        token: mockCredentials.user.token(
          (onBehalfOf.principal as BackstageUserPrincipal).userEntityRef,
        ),
      }),
    } as unknown as AuthService;
    action = createPromoteAction({
      auth,
      discovery: {
        getBaseUrl: async plugin => `http://127.0.0.1:${port}/api/${plugin}`,
        getExternalBaseUrl: async plugin =>
          `http://127.0.0.1:${port}/api/${plugin}`,
      },
      pollIntervalMs: 100,
    });
    const refreshed = await api.http
      .post(`/api/image-promotion/entities/default/component/${name}/refresh`)
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

  it('promotes as the user running the template and waits for the copy', async () => {
    const ctx = as(ALICE, {
      entityRef: `component:default/${name}`,
      targetEnvironment: 'qa',
      sourceTag: '1.0.0',
      reason: 'from a template',
      waitForCompletion: true,
    });
    await action.handler(ctx as any);
    expect(ctx.output).toHaveBeenCalledWith('status', 'succeeded');
    expect(ctx.output).toHaveBeenCalledWith('digest', digest);
    expect(ctx.output).toHaveBeenCalledWith('targetTag', '1.0.0');
    expect(
      await skopeoInspectRawDigest(`${shared.host}/qa/${name}:1.0.0`),
    ).toBe(digest);
    const id = (ctx.output as jest.Mock).mock.calls.find(
      ([key]) => key === 'promotionId',
    )![1];
    const stored = await api.http
      .get(`/api/image-promotion/promotions/${id}`)
      .set('Authorization', mockCredentials.user.header(ALICE));
    expect(stored.body).toMatchObject({
      requestedBy: ALICE,
      reason: 'from a template',
    });
  });

  it('fails the step for a user lacking the promote permission, saying which', async () => {
    const ctx = as(MALLORY, {
      entityRef: `component:default/${name}`,
      targetEnvironment: 'qa',
      sourceTag: '1.0.0',
    });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      /Image promotion refused \(403\): .*you lack the image-promotion\.promote permission/,
    );
    expect(ctx.output).not.toHaveBeenCalled();
  });

  it('passes on the policy refusal and bad input in words', async () => {
    const ctx = as(ALICE, {
      entityRef: `component:default/${name}`,
      targetEnvironment: 'qa',
      sourceTag: 'no-such-tag',
    });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      /Image promotion refused \(404\): tag "no-such-tag" was not found in dev/,
    );
  });
});
