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
  createOciLayout,
  ImageFixture,
  makeTempDir,
  OciLayoutFixture,
  pushWithSkopeo,
  removeTempDir,
  skopeoCopyToDir,
  skopeoInspectRawDigest,
  startRegistry,
  TestRegistry,
} from '../testing';

jest.setTimeout(120_000);

const BIN = resolve(__dirname, '../../bin/image-promotion');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('error', reject);
    child.on('close', code => done({ code, stdout, stderr }));
  });
}

describe('image-promotion CLI against real registries', () => {
  let layout: OciLayoutFixture;
  let image: ImageFixture;
  let plain: TestRegistry;
  let secured: TestRegistry;
  let dockerConfigDir: string;
  let wrongConfigDir: string;
  let workDir: string;
  const user = { username: 'ci', password: 's3cret-pass-123' };

  beforeAll(async () => {
    // The bin runs dist-cli/ when it exists (yarn install builds it): test
    // that bundle, built from the sources as they are now, not a stale one.
    const build = spawnSync('yarn', ['build:cli'], {
      cwd: resolve(BIN, '../..'),
      encoding: 'utf8',
    });
    if (build.status !== 0) {
      throw new Error(`yarn build:cli failed: ${build.stderr}${build.stdout}`);
    }
    layout = await createOciLayout();
    image = await layout.addImage({
      layers: 3,
      layerSize: 256 * 1024,
      tag: '1.0.0',
    });
    plain = await startRegistry();
    secured = await startRegistry({ auth: { htpasswd: [user] } });
    await pushWithSkopeo(layout.dir, '1.0.0', `${plain.host}/team/app:1.0.0`);
    workDir = makeTempDir('cli');
    dockerConfigDir = join(workDir, 'docker');
    wrongConfigDir = join(workDir, 'docker-wrong');
    const auth = (password: string) =>
      JSON.stringify({
        auths: {
          [secured.host]: {
            auth: Buffer.from(`${user.username}:${password}`).toString(
              'base64',
            ),
          },
        },
      });
    for (const [dir, password] of [
      [dockerConfigDir, user.password],
      [wrongConfigDir, 'not-the-password'],
    ]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'config.json'), auth(password));
    }
  });

  afterAll(async () => {
    await plain?.stop();
    await secured?.stop();
    await layout?.cleanup();
    if (workDir) await removeTempDir(workDir);
  });

  const insecure = () => [
    '--insecure-registry',
    plain.host,
    '--insecure-registry',
    secured.host,
  ];

  it('copies to an authenticated registry with docker config credentials and prints the digest last', async () => {
    const run = await cli(
      [
        'copy',
        `${plain.host}/team/app:1.0.0`,
        `${secured.host}/prod/app:1.0.0`,
        ...insecure(),
      ],
      { DOCKER_CONFIG: dockerConfigDir },
    );
    expect(run.stderr).not.toContain(user.password);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').pop()).toBe(image.digest);
    const creds = { username: user.username, password: user.password };
    await expect(
      skopeoInspectRawDigest(`${secured.host}/prod/app:1.0.0`, { creds }),
    ).resolves.toBe(image.digest);
    await skopeoCopyToDir(
      `${secured.host}/prod/app:1.0.0`,
      join(workDir, 'copy-back'),
      { creds },
    );
  });

  it('prints the whole result as JSON with --json', async () => {
    const run = await cli([
      'copy',
      `${plain.host}/team/app:1.0.0`,
      `${plain.host}/staging/app:1.0.0`,
      '--json',
      ...insecure(),
    ]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.digest).toBe(image.digest);
    expect(result.blobs.total).toBe(4);
    expect(result.blobs.mounted).toBe(4);
  });

  it('copies into an OCI layout and resolves and lists tags there', async () => {
    const target = join(workDir, 'layout');
    const copy = await cli([
      'copy',
      `${plain.host}/team/app:1.0.0`,
      `oci-layout:${target}:1.0.0`,
      ...insecure(),
    ]);
    expect(copy.code).toBe(0);
    const resolved = await cli(['resolve', `oci-layout:${target}:1.0.0`]);
    expect(resolved.stdout.trim()).toBe(image.digest);
    const tags = await cli(['tags', `oci-layout:${target}`]);
    expect(tags.stdout.trim().split('\n')).toEqual(['1.0.0']);
  });

  it('refuses to move a tag with --no-clobber (exit 1, target unchanged)', async () => {
    const other = await layout.addImage({
      layers: 1,
      layerSize: 1024,
      tag: 'other',
    });
    await pushWithSkopeo(layout.dir, 'other', `${plain.host}/team/other:1.0.0`);
    const run = await cli([
      'copy',
      `${plain.host}/team/other:1.0.0`,
      `${plain.host}/staging/app:1.0.0`,
      '--no-clobber',
      ...insecure(),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/1\.0\.0/);
    expect(other.digest).not.toBe(image.digest);
    await expect(
      skopeoInspectRawDigest(`${plain.host}/staging/app:1.0.0`),
    ).resolves.toBe(image.digest);
  });

  it('fails with exit 1 and a message naming the host on a wrong password, without the password', async () => {
    const run = await cli(
      [
        'copy',
        `${plain.host}/team/app:1.0.0`,
        `${secured.host}/prod/app:2.0.0`,
        ...insecure(),
      ],
      { DOCKER_CONFIG: wrongConfigDir },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(secured.host);
    expect(run.stderr).not.toContain('not-the-password');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('fails with exit 1 on a missing source tag, naming it', async () => {
    const run = await cli([
      'copy',
      `${plain.host}/team/app:9.9.9`,
      `${plain.host}/prod/app:9.9.9`,
      ...insecure(),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('9.9.9');
  });

  it('exits 2 with the usage on bad usage and bad references', async () => {
    const usage = await cli(['copy', 'only-one']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Usage:');
    const bad = await cli(['resolve', 'Bad/UPPER:tag']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/lowercase/);
  });

  it('refuses plain http to a registry not marked insecure', async () => {
    const run = await cli(['resolve', `${plain.host}/team/app:1.0.0`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/insecure/i);
  });
});
