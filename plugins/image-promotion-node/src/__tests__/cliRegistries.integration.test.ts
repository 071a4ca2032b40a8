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

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  AcrRegistry,
  createOciLayout,
  EntraAuthority,
  ImageFixture,
  makeTempDir,
  OciLayoutFixture,
  PathPrefixProxy,
  removeTempDir,
  skopeoCopyToDir,
  skopeoInspectRawDigest,
  startAcrRegistry,
  startEntraAuthority,
  startPathPrefixProxy,
  startRegistry,
  startTokenServer,
  TestRegistry,
  TokenServer,
} from '../testing';

jest.setTimeout(120_000);

const BIN = resolve(__dirname, '../../bin/image-promotion');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolveRun, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('error', reject);
    child.on('close', code => resolveRun({ code, stdout, stderr }));
  });
}

/** A docker config with Basic credentials for one host, the way `docker login` writes it. */
function writeDockerConfig(
  dir: string,
  host: string,
  credentials: { username: string; password: string },
): void {
  mkdirSync(dir, { recursive: true });
  const auth = Buffer.from(
    `${credentials.username}:${credentials.password}`,
  ).toString('base64');
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ auths: { [host]: { auth } } }),
  );
}

beforeAll(() => {
  // The bin runs dist-cli/ when it exists: test the bundle built from the
  // sources as they are now.
  const build = spawnSync('yarn', ['build:cli'], {
    cwd: resolve(BIN, '../..'),
    encoding: 'utf8',
  });
  if (build.status !== 0) {
    throw new Error(`yarn build:cli failed: ${build.stderr}${build.stdout}`);
  }
});

describe('CLI with registries under a path prefix (Artifactory style)', () => {
  /** A Harbor-style robot account: `$` and `+` in the user name. */
  const robot = { username: 'robot$ci+promoter', password: 'r0bot-Secret-77' };
  const DEV = '/artifactory/api/docker/docker-dev';
  const PROD = '/artifactory/api/docker/docker-prod';
  let layout: OciLayoutFixture;
  let image: ImageFixture;
  let dev: TestRegistry;
  let prod: TestRegistry;
  let tokens: TokenServer;
  let proxy: PathPrefixProxy;
  let workDir: string;
  let dockerConfig: string;

  beforeAll(async () => {
    layout = await createOciLayout();
    image = await layout.addImage({
      layers: 2,
      layerSize: 64 * 1024,
      tag: '1.0.0',
    });
    proxy = await startPathPrefixProxy();
    tokens = await startTokenServer({ users: [robot] });
    [dev, prod] = await Promise.all([
      startRegistry({ auth: { htpasswd: [robot] } }),
      // Artifactory's realm lives under the repository's own path.
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
    workDir = makeTempDir('cli-prefix');
    dockerConfig = join(workDir, 'docker');
    // One docker config entry per host serves every repository path on it.
    writeDockerConfig(dockerConfig, proxy.host, robot);
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.all([dev?.stop(), prod?.stop()]);
    await tokens?.stop();
    await layout?.cleanup();
    if (workDir) await removeTempDir(workDir);
  });

  const registryArgs = () => [
    '--insecure-registry',
    proxy.host,
    '--registry-prefix',
    `${proxy.host}${DEV}`,
    '--registry-prefix',
    `${proxy.host}${PROD}`,
  ];

  async function expectClean(run: CliRun, digest: string) {
    expect(`${run.stdout}${run.stderr}`).not.toContain(robot.password);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').pop()).toBe(digest);
  }

  it('copies into a prefixed registry (Basic, robot account), then between two prefixes on one host (token flow)', async () => {
    const toDev = await cli(
      [
        'copy',
        `oci-layout:${layout.dir}:1.0.0`,
        `${proxy.host}${DEV}/team/app:1.0.0`,
        ...registryArgs(),
      ],
      { DOCKER_CONFIG: dockerConfig },
    );
    await expectClean(toDev, image.digest);
    // skopeo cannot address a path prefix: it checks the registry behind the proxy.
    await expect(
      skopeoInspectRawDigest(`${dev.host}/team/app:1.0.0`, { creds: robot }),
    ).resolves.toBe(image.digest);

    const toProd = await cli(
      [
        'copy',
        `${proxy.host}${DEV}/team/app:1.0.0`,
        `${proxy.host}${PROD}/team/app:1.0.0`,
        ...registryArgs(),
      ],
      { DOCKER_CONFIG: dockerConfig },
    );
    await expectClean(toProd, image.digest);
    await expect(
      skopeoInspectRawDigest(`${prod.host}/team/app:1.0.0`, { creds: robot }),
    ).resolves.toBe(image.digest);
    await skopeoCopyToDir(
      `${prod.host}/team/app:1.0.0`,
      join(workDir, 'back'),
      {
        creds: robot,
      },
    );
    // Every API request went under a prefix; the token came from the prod path.
    expect(proxy.log.filter(l => / \/v2\//.test(l))).toEqual([]);
    expect(proxy.log).toContain(`GET ${PROD}/v2/token`);
    expect(tokens.requests.at(-1)).toMatchObject({
      username: robot.username,
      rejected: false,
    });
  });

  it('lists tags and resolves under a prefix', async () => {
    const tags = await cli(
      ['tags', `${proxy.host}${PROD}/team/app`, ...registryArgs()],
      { DOCKER_CONFIG: dockerConfig },
    );
    expect(tags.code).toBe(0);
    expect(tags.stdout.trim().split('\n')).toContain('1.0.0');
    const resolved = await cli(
      ['resolve', `${proxy.host}${PROD}/team/app:1.0.0`, ...registryArgs()],
      { DOCKER_CONFIG: dockerConfig },
    );
    expect(resolved.code).toBe(0);
    expect(resolved.stdout.trim()).toBe(image.digest);
  });

  it('without --registry-prefix, says the repository was not found rather than failing obscurely', async () => {
    const run = await cli(
      [
        'resolve',
        `${proxy.host}${PROD}/team/app:1.0.0`,
        '--insecure-registry',
        proxy.host,
      ],
      { DOCKER_CONFIG: dockerConfig },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain(robot.password);
    expect(run.stderr.trim()).toBe(
      `image-promotion: ${proxy.host}${PROD}/team/app:1.0.0 was not found; check the tag with "image-promotion tags ${proxy.host}${PROD}/team/app"`,
    );
  });
});

describe('CLI with Azure Container Registry credentials from the environment', () => {
  const tenantId = '2c4e6a80-0000-4000-8000-0000000000c1';
  const principal = {
    tenantId,
    clientId: '9a8b7c6d-1111-4111-8111-0000000000c2',
    clientSecret: 'cli-acr-secret-never-printed-0001',
  };
  const checker = { username: 'checker', password: 'checker-password-0002' };
  let authority: EntraAuthority;
  let acr: AcrRegistry;
  let layout: OciLayoutFixture;
  let image: ImageFixture;
  let workDir: string;

  beforeAll(async () => {
    authority = await startEntraAuthority({ clients: [principal] });
    acr = await startAcrRegistry({
      authority,
      allowedClients: [principal.clientId],
      users: [checker],
    });
    layout = await createOciLayout();
    image = await layout.addImage({
      layers: 2,
      layerSize: 64 * 1024,
      tag: '1.0.0',
    });
    workDir = makeTempDir('cli-acr');
    // An empty docker config: the credentials come only from the provider.
    mkdirSync(join(workDir, 'docker'));
  });

  afterAll(async () => {
    await acr?.stop();
    await authority?.stop();
    await layout?.cleanup();
    if (workDir) await removeTempDir(workDir);
  });

  /**
   * What a CI job with a service principal sets (the variables
   * DefaultAzureCredential reads), plus the stand-in authority and its CA.
   */
  const azureEnv = (clientSecret = principal.clientSecret) => ({
    DOCKER_CONFIG: join(workDir, 'docker'),
    AZURE_TENANT_ID: tenantId,
    AZURE_CLIENT_ID: principal.clientId,
    AZURE_CLIENT_SECRET: clientSecret,
    AZURE_AUTHORITY_HOST: authority.authorityHost,
    NODE_EXTRA_CA_CERTS: authority.certificatePath,
  });

  // The stand-in's host is 127.0.0.1:PORT, not NAME.azurecr.io: --cloud-auth names its provider.
  const acrArgs = () => [
    '--insecure-registry',
    acr.host,
    '--cloud-auth',
    `${acr.host}=acr`,
  ];

  it('copies with a service principal from the environment, checked with skopeo', async () => {
    const run = await cli(
      [
        'copy',
        `oci-layout:${layout.dir}:1.0.0`,
        `${acr.host}/team/app:1.0.0`,
        ...acrArgs(),
      ],
      azureEnv(),
    );
    expect(`${run.stdout}${run.stderr}`).not.toContain(principal.clientSecret);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').pop()).toBe(image.digest);
    await expect(
      skopeoInspectRawDigest(`${acr.host}/team/app:1.0.0`, { creds: checker }),
    ).resolves.toBe(image.digest);
    await skopeoCopyToDir(`${acr.host}/team/app:1.0.0`, join(workDir, 'back'), {
      creds: checker,
    });
    expect(acr.exchanges.at(-1)).toEqual({
      clientId: principal.clientId,
      tenant: undefined,
      service: acr.host,
      grantType: 'access_token',
    });
  });

  it('says that the client secret was refused and what to fix, without printing it', async () => {
    const wrong = 'wrong-cli-secret-never-printed-0003';
    const run = await cli(
      ['resolve', `${acr.host}/team/app:1.0.0`, ...acrArgs()],
      azureEnv(wrong),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `image-promotion: ACR: Microsoft Entra ID refused the client secret of service principal ${principal.clientId} in tenant ${tenantId} (AZURE_CLIENT_ID, AZURE_TENANT_ID) (AADSTS7000215): check AZURE_CLIENT_SECRET; client secrets expire`,
    );
    expect(`${run.stdout}${run.stderr}`).not.toContain(wrong);
  });
});
