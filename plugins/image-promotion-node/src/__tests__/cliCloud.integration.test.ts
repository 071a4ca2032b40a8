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
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createOciLayout,
  EcrStandIn,
  GoogleStandIn,
  ImageFixture,
  makeTempDir,
  OciLayoutFixture,
  pushWithSkopeo,
  removeTempDir,
  skopeoCopyToDir,
  skopeoInspectRawDigest,
  startEcrStandIn,
  startGoogleStandIn,
  startRegistry,
  startTokenServer,
  TestRegistry,
  TokenServer,
} from '../testing';

jest.setTimeout(120_000);

const PACKAGE = resolve(__dirname, '../..');
/**
 * This suite's own build of the CLI bundle (`yarn build:cli`, SDKs external,
 * beside the real one so they resolve from the package's node_modules): the
 * CLI suite rebuilds dist-cli/image-promotion.cjs while running, and a file
 * being rewritten must not be started from here.
 */
const BUNDLE = resolve(PACKAGE, `dist-cli/cloud-test-${process.pid}.cjs`);
const LAUNCH = `require(${JSON.stringify(
  BUNDLE,
)}).runCli(process.argv.slice(1)).then(code => process.exit(code));`;

const awsKey = {
  accessKeyId: 'AKIASTANDINCLI00001',
  secretAccessKey: 'cli-aws-secret-never-printed-0001',
};
const ecrPassword = 'cli-ecr-registry-password-0002';
const oidcToken = 'cli-ci-oidc-token-never-printed-0003';
const checker = { username: 'checker', password: 'checker-password-0004' };
const secrets = [awsKey.secretAccessKey, ecrPassword, oidcToken];

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as a CI job would: the environment of this process without
 * any AWS or Google settings, plus `env`.
 */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(AWS_|GOOGLE_|CLOUDSDK_|GCE_)/.test(name),
    ),
  );
  const child = spawn(process.execPath, ['-e', LAUNCH, ...args], {
    env: { ...base, ...env },
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

function expectNoSecret(run: CliRun) {
  for (const secret of secrets) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

describe('image-promotion CLI with cloud identities and credential helpers only', () => {
  let layout: OciLayoutFixture;
  let image: ImageFixture;
  let source: TestRegistry;
  let ecr: TestRegistry;
  let gar: TestRegistry;
  let ecrApi: EcrStandIn;
  let google: GoogleStandIn;
  let tokenServer: TokenServer;
  let workDir: string;
  /** A docker config directory with nothing in it: credentials come only from the clouds. */
  let emptyDockerConfig: string;

  beforeAll(async () => {
    // Test the bundle as built from the sources now (SDKs stay external).
    const build = spawnSync('yarn', ['build:cli', `--outfile=${BUNDLE}`], {
      cwd: PACKAGE,
      encoding: 'utf8',
    });
    if (build.status !== 0) {
      throw new Error(`yarn build:cli failed: ${build.stderr}${build.stdout}`);
    }
    layout = await createOciLayout();
    image = await layout.addImage({
      tag: '1.0.0',
      layers: 2,
      layerSize: 64 * 1024,
    });
    ecrApi = await startEcrStandIn({ keys: [awsKey], password: ecrPassword });
    google = await startGoogleStandIn({ subjectToken: oidcToken });
    google.registryUsers.push(checker);
    tokenServer = await startTokenServer({ users: google.registryUsers });
    [source, ecr, gar] = await Promise.all([
      startRegistry(),
      startRegistry({
        auth: { htpasswd: [{ username: 'AWS', password: ecrPassword }] },
      }),
      startRegistry({ auth: { token: tokenServer } }),
    ]);
    await pushWithSkopeo(layout.dir, '1.0.0', `${source.host}/app:1.0.0`);
    workDir = makeTempDir('cli-cloud');
    emptyDockerConfig = join(workDir, 'docker');
    mkdirSync(emptyDockerConfig);
  });

  afterAll(async () => {
    await Promise.all([source?.stop(), ecr?.stop(), gar?.stop()]);
    await Promise.all([ecrApi?.stop(), google?.stop(), tokenServer?.stop()]);
    await layout?.cleanup();
    if (workDir) await removeTempDir(workDir);
    // The entry bundle and the commands bundle beside it (scripts/build-cli.js).
    const commands = BUNDLE.replace(/\.cjs$/, '.commands.cjs');
    for (const file of [BUNDLE, commands, `${commands}.cache`]) {
      rmSync(file, { force: true });
      rmSync(`${file}.map`, { force: true });
    }
  });

  const insecure = () =>
    [source, ecr, gar].flatMap(r => ['--insecure-registry', r.host]);

  const ecrEnv = () => ({
    DOCKER_CONFIG: emptyDockerConfig,
    AWS_ACCESS_KEY_ID: awsKey.accessKeyId,
    AWS_SECRET_ACCESS_KEY: awsKey.secretAccessKey,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_ECR: ecrApi.url,
  });

  it('copies into ECR with the AWS identity from the environment, checked with skopeo', async () => {
    const target = `${ecr.host}/team/app:1.0.0`;
    const run = await cli(
      [
        'copy',
        `${source.host}/app:1.0.0`,
        target,
        ...insecure(),
        '--cloud-auth',
        `${ecr.host}=ecr`,
      ],
      ecrEnv(),
    );
    expectNoSecret(run);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(image.digest);
    const creds = { username: 'AWS', password: ecrPassword };
    await expect(skopeoInspectRawDigest(target, { creds })).resolves.toBe(
      image.digest,
    );
    await skopeoCopyToDir(target, join(workDir, 'from-ecr'), { creds });
    expect(ecrApi.tokensIssued()).toBe(1);
  });

  it('copies into Artifact Registry with the workload identity file in GOOGLE_APPLICATION_CREDENTIALS, checked with skopeo', async () => {
    const target = `${gar.host}/project/team/app:1.0.0`;
    const run = await cli(
      [
        'copy',
        `${source.host}/app:1.0.0`,
        target,
        ...insecure(),
        '--cloud-auth',
        `${gar.host}=gar`,
      ],
      {
        DOCKER_CONFIG: emptyDockerConfig,
        GOOGLE_APPLICATION_CREDENTIALS: google.writeCredentialsFile(workDir),
      },
    );
    expectNoSecret(run);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(image.digest);
    await expect(
      skopeoInspectRawDigest(target, { creds: checker }),
    ).resolves.toBe(image.digest);
    await skopeoCopyToDir(target, join(workDir, 'from-gar'), {
      creds: checker,
    });
  });

  /**
   * A `docker-credential-<name>` program on a PATH of its own that answers
   * for `host` with the ECR registry's credentials (as
   * docker-credential-ecr-login would); returns the env to run the CLI in.
   */
  function credentialHelperEnv(
    name: string,
    config: object,
  ): NodeJS.ProcessEnv {
    const dir = join(workDir, `helper-${name}`);
    mkdirSync(join(dir, 'bin'), { recursive: true });
    const program = join(dir, 'bin', `docker-credential-${name}`);
    writeFileSync(
      program,
      [
        '#!/bin/sh',
        'read server',
        `if [ "$server" = "${ecr.host}" ]; then`,
        `  printf '{"ServerURL":"%s","Username":"AWS","Secret":"${ecrPassword}"}' "$server"`,
        'else',
        '  echo "credentials not found in native keychain"; exit 1',
        'fi',
        '',
      ].join('\n'),
    );
    chmodSync(program, 0o755);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    return {
      DOCKER_CONFIG: dir,
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
    };
  }

  it.each([
    [
      'credHelpers',
      (host: string) => ({ credHelpers: { [host]: 'ci-helper' } }),
    ],
    ['credsStore', () => ({ credsStore: 'ci-store' })],
  ])(
    'copies with the credentials a docker credential helper gives through %s, checked with skopeo',
    async (kind, config) => {
      const name = kind === 'credHelpers' ? 'ci-helper' : 'ci-store';
      const target = `${ecr.host}/team/app:${kind}`;
      const run = await cli(
        ['copy', `${source.host}/app:1.0.0`, target, ...insecure()],
        credentialHelperEnv(name, config(ecr.host)),
      );
      expectNoSecret(run);
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toBe(image.digest);
      const creds = { username: 'AWS', password: ecrPassword };
      await expect(skopeoInspectRawDigest(target, { creds })).resolves.toBe(
        image.digest,
      );
      await skopeoCopyToDir(target, join(workDir, `from-${kind}`), { creds });
    },
  );

  it('fails with exit 1 and a clear message when the configured helper is not installed', async () => {
    const env = credentialHelperEnv('present', {
      credHelpers: { [ecr.host]: 'ecr-login' },
    });
    const run = await cli(
      [
        'copy',
        `${source.host}/app:1.0.0`,
        `${ecr.host}/team/app:no-helper`,
        ...insecure(),
      ],
      env,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `image-promotion: credential helper: docker-credential-ecr-login is not on PATH; it is configured for ${
        ecr.host
      } in ${join(env.DOCKER_CONFIG!, 'config.json')}`,
    );
  });

  it('fails with exit 1 and says how to give ECR an identity when there is none', async () => {
    const run = await cli(
      [
        'copy',
        `${source.host}/app:1.0.0`,
        `${ecr.host}/team/app:none`,
        ...insecure(),
        '--cloud-auth',
        `${ecr.host}=ecr`,
      ],
      {
        DOCKER_CONFIG: emptyDockerConfig,
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_ECR: ecrApi.url,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SHARED_CREDENTIALS_FILE: join(workDir, 'none'),
        AWS_CONFIG_FILE: join(workDir, 'none'),
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /image-promotion: ECR: no AWS credentials found for 127\.0\.0\.1:\d+: set AWS_PROFILE/,
    );
  });

  it('fails with exit 1 naming the provider when AWS refuses the key, without the secret', async () => {
    const run = await cli(
      [
        'copy',
        `${source.host}/app:1.0.0`,
        `${ecr.host}/team/app:refused`,
        ...insecure(),
        '--cloud-auth',
        `${ecr.host}=ecr`,
      ],
      { ...ecrEnv(), AWS_ACCESS_KEY_ID: 'AKIASTANDINUNKNOWN1' },
    );
    expectNoSecret(run);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /ECR: AWS refused the credentials used for 127\.0\.0\.1:\d+ \(UnrecognizedClientException\)/,
    );
  });
});
