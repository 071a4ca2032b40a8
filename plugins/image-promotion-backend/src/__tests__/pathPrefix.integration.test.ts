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

import { TestDatabases } from '@backstage/backend-test-utils';
import { join } from 'node:path';
import {
  createOciLayout,
  makeTempDir,
  pushWithSkopeo,
  PathPrefixProxy,
  removeTempDir,
  skopeoCopyToDir,
  skopeoInspectRawDigest,
  startPathPrefixProxy,
  startRegistry,
  startTokenServer,
  TestRegistry,
  TokenServer,
} from '../__testUtils__/harness';
import {
  buildConfig,
  componentEntity,
  componentRef,
  createReplica,
  createStore,
  user,
} from '../__testUtils__/integrationRig';

jest.setTimeout(180_000);

/**
 * Registries as an Artifactory serves them: each under its own path of one
 * host (`/artifactory/api/docker/<repo>/v2/...`), a Harbor-style robot
 * account (`$` and `+` in its name) for both, and the prod repository with
 * token auth whose realm also lives under its path.
 */
describe('promotions between registries under path prefixes', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  const robot = { username: 'robot$ci+promoter', password: 'r0bot-Secret-77' };
  const DEV = '/artifactory/api/docker/docker-dev';
  const PROD = '/artifactory/api/docker/docker-prod';
  let dev: TestRegistry;
  let prod: TestRegistry;
  let tokens: TokenServer;
  let proxy: PathPrefixProxy;
  let workDir: string;

  beforeAll(async () => {
    proxy = await startPathPrefixProxy();
    tokens = await startTokenServer({ users: [robot] });
    [dev, prod] = await Promise.all([
      startRegistry({ auth: { htpasswd: [robot] } }),
      startRegistry({
        auth: { token: { ...tokens, realm: `${proxy.url}${PROD}/v2/token` } },
      }),
    ]);
    proxy.addRoute({ prefix: DEV, upstream: dev.host });
    proxy.addRoute({
      prefix: PROD,
      upstream: prod.host,
      tokenUpstream: new URL(tokens.realm).host,
    });
    workDir = makeTempDir('prefix-promotion');
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([dev?.stop(), prod?.stop()]);
    await tokens?.stop();
    if (workDir) await removeTempDir(workDir);
  });

  it('tracks dev and promotes into prod through the prefixed URLs of app-config', async () => {
    const layout = await createOciLayout();
    const { digest } = await layout.addImage({ tag: 'src', layerSize: 8192 });
    // skopeo pushes straight to the registry behind the proxy.
    await pushWithSkopeo(layout.dir, 'src', `${dev.host}/shop/cart:1.0.0`, {
      creds: robot,
    });
    await layout.cleanup();
    const credentials = { username: robot.username, password: robot.password };
    const config = buildConfig({
      registries: {
        dev: {
          type: 'registry',
          url: `http://${proxy.host}${DEV}`,
          insecure: true,
          credentials,
        },
        prod: {
          type: 'registry',
          url: `http://${proxy.host}${PROD}/v2/`,
          insecure: true,
          credentials,
        },
      },
      pipelines: {
        default: {
          environments: [
            { id: 'dev', registry: 'dev', repository: 'shop/{{ image }}' },
            { id: 'prod', registry: 'prod', repository: 'shop/{{ image }}' },
          ],
        },
      },
    });
    expect(config.registries.get('prod')).toMatchObject({
      host: proxy.host,
      pathPrefix: PROD,
    });
    const { stores } = await createStore(databases, 'SQLITE_3');
    const replica = createReplica({
      config,
      stores,
      entities: [componentEntity('cart')],
    });
    const [tracked] = await replica.tracker.refreshAll();
    expect(tracked.environments[0]).toMatchObject({
      id: 'dev',
      tags: 1,
      drift: 0,
    });
    expect(
      replica.access.describe(
        config.pipelines.get('default')!.environments[1],
        'cart',
        componentRef('cart'),
      ),
    ).toBe(`${proxy.host}${PROD}/shop/cart`);

    const created = await replica.service.request(
      {
        entityRef: componentRef('cart'),
        targetEnvironment: 'prod',
        sourceTag: '1.0.0',
      },
      user('jane'),
    );
    expect(await replica.worker().runOnce()).toBe(true);
    expect(
      await replica.stores.promotions.getPromotion(created.id),
    ).toMatchObject({
      status: 'succeeded',
      failureReason: null,
      digest,
    });
    // skopeo cannot address a path prefix: it checks the registry behind the proxy.
    expect(
      await skopeoInspectRawDigest(`${prod.host}/shop/cart:1.0.0`, {
        creds: robot,
      }),
    ).toBe(digest);
    await skopeoCopyToDir(`${prod.host}/shop/cart:1.0.0`, join(workDir, 'x'), {
      creds: robot,
    });
    expect(proxy.log.filter(l => / \/v2\//.test(l))).toEqual([]);
    expect(tokens.requests.some(r => r.username === robot.username)).toBe(true);
  });
});
