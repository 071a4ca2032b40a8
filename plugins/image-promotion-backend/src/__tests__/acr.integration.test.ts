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

import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { JsonObject } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import request from 'supertest';
import imagePromotionPlugin from '../index';
import {
  AcrRegistry,
  EntraAuthority,
  makeTempDir,
  removeTempDir,
  skopeoCopyToDir,
  skopeoInspectRawDigest,
  startAcrRegistry,
  startEntraAuthority,
  startRegistry,
  TestRegistry,
} from '../__testUtils__/harness';
import {
  buildConfig,
  componentEntity,
  componentRef,
  createReplica,
  createStore,
  pushImage,
  Replica,
  user,
  waitFor,
} from '../__testUtils__/integrationRig';

jest.setTimeout(180_000);

const TENANT = '5d0a7c3e-0000-4000-8000-0000000000b1';
const promoter = {
  tenantId: TENANT,
  clientId: '7e1b9f20-1111-4111-8111-0000000000b2',
  clientSecret: 'backend-acr-secret-never-logged-0001',
};
const checker = { username: 'checker', password: 'checker-password-0002' };

/**
 * dev (anonymous) → prod, an Azure Container Registry stand-in: a service
 * principal's Microsoft Entra token (from a local https authority, through
 * @azure/identity) exchanged at the registry's /oauth2/exchange.
 */
describe('promotions into Azure Container Registry through the ACR provider', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  const defaultCAs = getCACertificates('default');
  let dev: TestRegistry;
  let acr: AcrRegistry;
  let authority: EntraAuthority;
  let workDir: string;

  beforeAll(async () => {
    workDir = makeTempDir('acr-backend');
    authority = await startEntraAuthority({ clients: [promoter] });
    // What NODE_EXTRA_CA_CERTS=<the authority's certificate> does for a
    // backend process that starts with it.
    setDefaultCACertificates([...defaultCAs, authority.certificatePem]);
    [dev, acr] = await Promise.all([
      startRegistry(),
      startAcrRegistry({
        authority,
        allowedClients: [promoter.clientId],
        users: [checker],
      }),
    ]);
  });

  afterAll(async () => {
    setDefaultCACertificates(defaultCAs);
    await Promise.all([dev?.stop(), acr?.stop()]);
    await authority?.stop();
    if (workDir) await removeTempDir(workDir);
  });

  function config(clientSecret = promoter.clientSecret): JsonObject {
    return {
      registries: {
        dev: { type: 'registry', url: `http://${dev.host}`, insecure: true },
        prod: {
          type: 'registry',
          url: `http://${acr.host}`,
          insecure: true,
          credentials: {
            provider: 'acr',
            tenantId: TENANT,
            clientId: promoter.clientId,
            clientSecret,
            authorityHost: authority.authorityHost,
          },
        },
      },
      pipelines: {
        default: {
          environments: [
            { id: 'dev', registry: 'dev', repository: '{{ image }}' },
            { id: 'prod', registry: 'prod', repository: 'team/{{ image }}' },
          ],
        },
      },
      tracking: { initialDelay: '1h', frequency: '1h' },
    };
  }

  it('starts with an ACR provider configured, asking Entra ID for nothing yet', async () => {
    const backend = await startTestBackend({
      features: [
        imagePromotionPlugin,
        mockServices.database.factory({
          knex: await databases.init('SQLITE_3'),
        }),
        mockServices.rootConfig.factory({ data: { imagePromotion: config() } }),
        catalogServiceMock.factory({ entities: [] }),
      ],
    });
    try {
      const response = await request(backend.server)
        .get('/api/image-promotion/health')
        .set('Authorization', mockCredentials.none.header());
      expect(response.status).toBe(200);
      expect(authority.requests).toEqual([]);
      expect(acr.exchanges).toEqual([]);
    } finally {
      await backend.stop();
    }
  });

  async function promote(replica: Replica, name: string, tag: string) {
    await replica.tracker.refreshAll();
    const created = await replica.service.request(
      {
        entityRef: componentRef(name),
        targetEnvironment: 'prod',
        sourceTag: tag,
      },
      user('jane'),
    );
    expect(created.status).toBe('queued');
    expect(await replica.worker().runOnce()).toBe(true);
    return replica.stores.promotions.getPromotion(created.id);
  }

  it('promotes into the registry, checked with skopeo, and renews a refused refresh token once', async () => {
    const names = ['checkout', 'invoices'];
    const digests = await Promise.all(
      names.map(name => pushImage(`${dev.host}/${name}`, ['1.0.0'])),
    );
    const { stores } = await createStore(databases, 'SQLITE_3');
    const replica = createReplica({
      config: buildConfig(config()),
      stores,
      entities: names.map(name => componentEntity(name)),
    });

    expect(await promote(replica, names[0], '1.0.0')).toMatchObject({
      status: 'succeeded',
      failureReason: null,
    });
    const target = `${acr.host}/team/${names[0]}:1.0.0`;
    await expect(
      skopeoInspectRawDigest(target, { creds: checker }),
    ).resolves.toBe(digests[0]);
    await skopeoCopyToDir(target, join(workDir, 'from-acr'), {
      creds: checker,
    });
    // The copy and the tracking runs shared one Entra token and one exchange.
    expect(authority.requests.filter(r => !r.error)).toHaveLength(1);
    expect(acr.exchanges).toHaveLength(1);

    // The registry revokes its refresh tokens (as when they expire early):
    // the next token request is refused, the provider exchanges again once.
    acr.revokeRefreshTokens();
    expect(await promote(replica, names[1], '1.0.0')).toMatchObject({
      status: 'succeeded',
      failureReason: null,
    });
    await expect(
      skopeoInspectRawDigest(`${acr.host}/team/${names[1]}:1.0.0`, {
        creds: checker,
      }),
    ).resolves.toBe(digests[1]);
    expect(acr.exchanges).toHaveLength(2);
    expect(acr.exchanges.every(e => e.refused === undefined)).toBe(true);
  });

  it('fails a promotion with ACR named and what to fix, and no secret in the reason or the logs', async () => {
    const name = 'ledger';
    await pushImage(`${dev.host}/${name}`, ['2.0.0']);
    const wrongSecret = 'wrong-acr-secret-must-not-leak-0003';
    const { stores } = await createStore(databases, 'SQLITE_3');
    const replica = createReplica({
      config: buildConfig(config(wrongSecret)),
      stores,
      entities: [componentEntity(name)],
    });
    await replica.tracker.refreshAll();
    const created = await replica.service.request(
      {
        entityRef: componentRef(name),
        targetEnvironment: 'prod',
        sourceTag: '2.0.0',
      },
      user('jane'),
    );
    // A started worker: an idle one treats a failing copy as its own shut-down.
    replica.worker().start();
    let failed;
    try {
      failed = await waitFor('the promotion to fail', async () => {
        const promotion = await stores.promotions.getPromotion(created.id);
        return promotion?.status === 'failed' ? promotion : undefined;
      });
    } finally {
      await replica.stopWorkers();
    }
    expect(failed?.failureReason).toContain(
      `ACR: Microsoft Entra ID refused the client secret of service principal ${promoter.clientId} in tenant ${TENANT} (AADSTS7000215): check clientSecret`,
    );
    const logger = replica.logger as jest.Mocked<typeof replica.logger>;
    const logged = JSON.stringify([
      ...logger.error.mock.calls,
      ...logger.warn.mock.calls,
      ...logger.info.mock.calls,
    ]);
    for (const secret of [wrongSecret, promoter.clientSecret]) {
      expect(failed?.failureReason).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
  });
});
