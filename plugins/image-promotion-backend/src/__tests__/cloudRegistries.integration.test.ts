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

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  EcrStandIn,
  GoogleStandIn,
  letGaxiosUseNodeFetch,
  makeTempDir,
  removeTempDir,
  skopeoCopyToDir,
  skopeoInspectRawDigest,
  startEcrStandIn,
  startGoogleStandIn,
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
  pushImage,
  user,
  waitFor,
} from '../__testUtils__/integrationRig';

jest.setTimeout(180_000);
letGaxiosUseNodeFetch();

const awsKey = {
  accessKeyId: 'AKIASTANDINBACKEND01',
  secretAccessKey: 'backend-aws-secret-never-logged-0001',
};
const ecrPassword = 'ecr-password-behind-the-stand-in-0002';
const oidcToken = 'backend-workload-identity-token-0003';
const checker = { username: 'checker', password: 'checker-password-0004' };

describe('promotions into cloud registries through the bundled credential providers', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let dev: TestRegistry;
  let ecr: TestRegistry;
  let gar: TestRegistry;
  let ecrApi: EcrStandIn;
  let google: GoogleStandIn;
  let tokenServer: TokenServer;
  let workDir: string;
  let keyFile: string;

  beforeAll(async () => {
    workDir = makeTempDir('cloud-backend');
    ecrApi = await startEcrStandIn({ keys: [awsKey], password: ecrPassword });
    google = await startGoogleStandIn({ subjectToken: oidcToken });
    google.registryUsers.push(checker);
    tokenServer = await startTokenServer({ users: google.registryUsers });
    keyFile = google.writeCredentialsFile(workDir);
    [dev, ecr, gar] = await Promise.all([
      startRegistry(),
      startRegistry({
        auth: { htpasswd: [{ username: 'AWS', password: ecrPassword }] },
      }),
      startRegistry({ auth: { token: tokenServer } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([dev?.stop(), ecr?.stop(), gar?.stop()]);
    await Promise.all([ecrApi?.stop(), google?.stop(), tokenServer?.stop()]);
    if (workDir) await removeTempDir(workDir);
  });

  /** dev (anonymous) → staging (ECR) → prod (Artifact Registry), as app-config would say it. */
  function config(ecrKey: typeof awsKey = awsKey): JsonObject {
    return {
      registries: {
        dev: { type: 'registry', url: `http://${dev.host}`, insecure: true },
        ecr: {
          type: 'registry',
          url: `http://${ecr.host}`,
          insecure: true,
          credentials: {
            provider: 'ecr',
            region: 'eu-west-1',
            endpoint: ecrApi.url,
            ...ecrKey,
          },
        },
        gar: {
          type: 'registry',
          url: `http://${gar.host}`,
          insecure: true,
          credentials: { provider: 'gar', keyFile },
        },
      },
      pipelines: {
        default: {
          environments: [
            { id: 'dev', registry: 'dev', repository: '{{ image }}' },
            { id: 'staging', registry: 'ecr', repository: 'team/{{ image }}' },
            {
              id: 'prod',
              registry: 'gar',
              repository: 'project/team/{{ image }}',
            },
          ],
        },
      },
      tracking: { initialDelay: '1h', frequency: '1h' },
    };
  }

  it('starts with an ECR and an Artifact Registry provider configured', async () => {
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
      // Start-up asked no cloud for anything: providers work on first use.
      expect(ecrApi.requests).toEqual([]);
    } finally {
      await backend.stop();
    }
  });

  it('promotes dev → ECR → Artifact Registry with tokens from the providers, checked with skopeo', async () => {
    const name = 'payments';
    const digest = await pushImage(`${dev.host}/${name}`, ['1.0.0']);
    const { stores } = await createStore(databases, 'SQLITE_3');
    const replica = createReplica({
      config: buildConfig(config()),
      stores,
      entities: [componentEntity(name)],
    });
    await replica.tracker.refreshAll();
    const jane = user('jane');
    const ref = componentRef(name);

    for (const target of ['staging', 'prod']) {
      const created = await replica.service.request(
        { entityRef: ref, targetEnvironment: target, sourceTag: '1.0.0' },
        jane,
      );
      expect(created.status).toBe('queued');
      expect(await replica.worker().runOnce()).toBe(true);
      await replica.tracker.refreshAll();
      expect(await stores.promotions.getPromotion(created.id)).toMatchObject({
        status: 'succeeded',
        failureReason: null,
      });
    }

    const inEcr = `${ecr.host}/team/${name}:1.0.0`;
    const ecrCreds = { username: 'AWS', password: ecrPassword };
    await expect(
      skopeoInspectRawDigest(inEcr, { creds: ecrCreds }),
    ).resolves.toBe(digest);
    await skopeoCopyToDir(inEcr, join(workDir, 'from-ecr'), {
      creds: ecrCreds,
    });
    const inGar = `${gar.host}/project/team/${name}:1.0.0`;
    await expect(
      skopeoInspectRawDigest(inGar, { creds: checker }),
    ).resolves.toBe(digest);
    await skopeoCopyToDir(inGar, join(workDir, 'from-gar'), {
      creds: checker,
    });
    // One ECR token and one Google access token served the copies and the
    // tracking runs.
    expect(ecrApi.tokensIssued()).toBe(1);
    expect(google.tokensIssued()).toBe(1);
  });

  it('promotes into a registry whose docker config names a credential helper, run from PATH', async () => {
    const robot = { username: 'robot', password: 'helper-given-password-0006' };
    const guarded = await startRegistry({ auth: { htpasswd: [robot] } });
    const savedPath = process.env.PATH;
    try {
      const bin = join(workDir, 'bin');
      mkdirSync(bin, { recursive: true });
      const program = join(bin, 'docker-credential-team-vault');
      writeFileSync(
        program,
        [
          '#!/bin/sh',
          'read server',
          `[ "$server" = "${guarded.host}" ] || { echo "credentials not found in native keychain"; exit 1; }`,
          `printf '{"ServerURL":"%s","Username":"${robot.username}","Secret":"${robot.password}"}' "$server"`,
          '',
        ].join('\n'),
      );
      chmodSync(program, 0o755);
      const dockerConfig = join(workDir, 'helper-config.json');
      writeFileSync(
        dockerConfig,
        JSON.stringify({ credHelpers: { [guarded.host]: 'team-vault' } }),
      );
      process.env.PATH = `${bin}:${savedPath}`;

      const name = 'helped';
      const digest = await pushImage(`${dev.host}/${name}`, ['3.0.0']);
      const { stores } = await createStore(databases, 'SQLITE_3');
      const raw = config();
      const registries = raw.registries as JsonObject;
      registries.vault = {
        type: 'registry',
        url: `http://${guarded.host}`,
        insecure: true,
        credentials: { dockerConfig },
      };
      raw.pipelines = {
        default: {
          environments: [
            { id: 'dev', registry: 'dev', repository: '{{ image }}' },
            { id: 'qa', registry: 'vault', repository: 'qa/{{ image }}' },
          ],
        },
      };
      const replica = createReplica({
        config: buildConfig(raw),
        stores,
        entities: [componentEntity(name)],
      });
      await replica.tracker.refreshAll();
      const created = await replica.service.request(
        {
          entityRef: componentRef(name),
          targetEnvironment: 'qa',
          sourceTag: '3.0.0',
        },
        user('jane'),
      );
      expect(await replica.worker().runOnce()).toBe(true);
      expect(await stores.promotions.getPromotion(created.id)).toMatchObject({
        status: 'succeeded',
      });
      const promoted = `${guarded.host}/qa/${name}:3.0.0`;
      await expect(
        skopeoInspectRawDigest(promoted, { creds: robot }),
      ).resolves.toBe(digest);
      await skopeoCopyToDir(promoted, join(workDir, 'from-helper'), {
        creds: robot,
      });
    } finally {
      process.env.PATH = savedPath;
      await guarded.stop();
    }
  });

  it('fails a promotion with the provider named and what to fix, and no secret in the reason or the logs', async () => {
    const name = 'ledger';
    await pushImage(`${dev.host}/${name}`, ['2.0.0']);
    const { stores } = await createStore(databases, 'SQLITE_3');
    const wrongKey = {
      accessKeyId: 'AKIASTANDINUNKNOWN99',
      secretAccessKey: 'unknown-aws-secret-must-not-leak-0005',
    };
    const replica = createReplica({
      config: buildConfig(config(wrongKey)),
      stores,
      entities: [componentEntity(name)],
    });
    await replica.tracker.refreshAll();
    const created = await replica.service.request(
      {
        entityRef: componentRef(name),
        targetEnvironment: 'staging',
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
    expect(failed?.failureReason).toMatch(
      /ECR: AWS refused the credentials used for 127\.0\.0\.1:\d+ \(UnrecognizedClientException\): check the access key/,
    );
    const logged = JSON.stringify(
      (replica.logger as jest.Mocked<typeof replica.logger>).error.mock.calls
        .concat(
          (replica.logger as jest.Mocked<typeof replica.logger>).warn.mock
            .calls,
        )
        .concat(
          (replica.logger as jest.Mocked<typeof replica.logger>).info.mock
            .calls,
        ),
    );
    for (const secret of [wrongKey.secretAccessKey, ecrPassword, oidcToken]) {
      expect(failed?.failureReason).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
  });
});
