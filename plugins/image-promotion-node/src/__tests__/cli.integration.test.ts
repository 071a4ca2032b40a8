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
  FaultProxy,
  ImageFixture,
  IndexFixture,
  isBlobGet,
  makeTempDir,
  OciLayoutFixture,
  pushWithSkopeo,
  removeTempDir,
  skopeoCopyToDir,
  skopeoInspectRawDigest,
  skopeoTags,
  startFaultProxy,
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

/** Starts the CLI; `done` settles when it exits. */
function startCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = new Promise<CliRun>((resolveRun, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('error', reject);
    child.on('close', code => resolveRun({ code, stdout, stderr }));
  });
  return { child, done };
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return startCli(args, env).done;
}

/** Writes a docker config with Basic credentials for one host into `dir`. */
function writeDockerConfig(
  dir: string,
  host: string,
  credentials: { username: string; password: string },
) {
  mkdirSync(dir, { recursive: true });
  const auth = Buffer.from(
    `${credentials.username}:${credentials.password}`,
  ).toString('base64');
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({ auths: { [host]: { auth } } }),
  );
}

let copyBacks = 0;

/**
 * The independent check of a copy: skopeo reads `ref`'s manifest with the
 * expected digest, and copies the image back out (every blob present and
 * valid) into a directory under `workDir`.
 */
async function expectSkopeoVerified(
  ref: string,
  digest: string,
  workDir: string,
  creds?: { username: string; password: string },
) {
  await expect(skopeoInspectRawDigest(ref, { creds })).resolves.toBe(digest);
  copyBacks += 1;
  await skopeoCopyToDir(ref, join(workDir, `copy-back-${copyBacks}`), {
    creds,
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
    writeDockerConfig(dockerConfigDir, secured.host, user);
    writeDockerConfig(wrongConfigDir, secured.host, {
      username: user.username,
      password: 'not-the-password',
    });
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

  /**
   * Copies the 1.0.0 image to `destination` with the credentials of a docker
   * config: exit 0, the digest as the last line, no password anywhere.
   */
  async function copyWithDockerConfig(
    destination: string,
    configDir: string,
    hostArgs: string[],
  ) {
    const run = await cli(
      ['copy', `${plain.host}/team/app:1.0.0`, destination, ...hostArgs],
      { DOCKER_CONFIG: configDir },
    );
    expect(run.stderr).not.toContain(user.password);
    expect(run.stdout).not.toContain(user.password);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').pop()).toBe(image.digest);
  }

  it('copies to an authenticated registry with docker config credentials and prints the digest last', async () => {
    await copyWithDockerConfig(
      `${secured.host}/prod/app:1.0.0`,
      dockerConfigDir,
      insecure(),
    );
    await expectSkopeoVerified(
      `${secured.host}/prod/app:1.0.0`,
      image.digest,
      workDir,
      { username: user.username, password: user.password },
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
    // The hint points at the file the credentials came from.
    expect(run.stderr).toContain(
      `check the username/password for ${secured.host} in docker config ${join(
        wrongConfigDir,
        'config.json',
      )}`,
    );
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

  describe('the other copy cases, each checked with skopeo', () => {
    let index: IndexFixture;
    let v1: ImageFixture;
    let v2: ImageFixture;
    let target: TestRegistry;
    let slowSource: FaultProxy;
    let tokenServer: TokenServer;
    let tokenRegistry: TestRegistry;
    const hosts = () => [
      '--insecure-registry',
      plain.host,
      '--insecure-registry',
      target.host,
      '--insecure-registry',
      slowSource.host,
      '--insecure-registry',
      tokenRegistry.host,
    ];

    beforeAll(async () => {
      index = await layout.addIndex({ layers: 1, layerSize: 64 * 1024 });
      await layout.tag('multi', index.index);
      v1 = await layout.addImage({
        layers: 10,
        layerSize: 32 * 1024,
        tag: 'v1',
      });
      v2 = await layout.addImage({
        layers: 10,
        layerSize: 32 * 1024,
        reuseLayers: v1.layers.slice(0, 9),
        tag: 'v2',
      });
      for (const tag of ['multi', 'v1', 'v2']) {
        await pushWithSkopeo(layout.dir, tag, `${plain.host}/team/app:${tag}`);
      }
      target = await startRegistry();
      slowSource = await startFaultProxy(plain.host);
      tokenServer = await startTokenServer({ users: [user] });
      tokenRegistry = await startRegistry({ auth: { token: tokenServer } });
    });

    /** Copies with the CLI: exit 0 and `digest` as the last line of stdout. */
    async function copies(source: string, destination: string, digest: string) {
      const run = await cli(['copy', source, destination, ...hosts()]);
      expect(run.code).toBe(0);
      expect(run.stdout.trim().split('\n').pop()).toBe(digest);
    }

    afterAll(async () => {
      await slowSource?.stop();
      await target?.stop();
      await tokenRegistry?.stop();
      await tokenServer?.stop();
    });

    it('exchanges docker config credentials for a Bearer token and pushes with it', async () => {
      const configDir = join(workDir, 'docker-token');
      writeDockerConfig(configDir, tokenRegistry.host, user);
      await copyWithDockerConfig(
        `${tokenRegistry.host}/prod/app:1.0.0`,
        configDir,
        hosts(),
      );
      expect(
        tokenServer.requests.some(
          r =>
            r.username === user.username &&
            r.granted.some(
              a => a.name === 'prod/app' && a.actions.includes('push'),
            ),
        ),
      ).toBe(true);
      await expect(
        skopeoInspectRawDigest(`${tokenRegistry.host}/prod/app:1.0.0`, {
          creds: user,
        }),
      ).resolves.toBe(image.digest);
    });

    it('copies a multi-platform index with every platform', async () => {
      await copies(
        `${plain.host}/team/app:multi`,
        `${target.host}/prod/app:multi`,
        index.digest,
      );
      await expect(
        skopeoInspectRawDigest(`${target.host}/prod/app:multi`),
      ).resolves.toBe(index.digest);
      for (const child of index.images) {
        await expect(
          skopeoInspectRawDigest(`${target.host}/prod/app@${child.digest}`),
        ).resolves.toBe(child.digest);
      }
    });

    it('uploads only what the target lacks, then reports the tag up to date', async () => {
      await pushWithSkopeo(layout.dir, 'v1', `${target.host}/team/app:v1`);
      const copyV2 = () =>
        cli([
          'copy',
          `${plain.host}/team/app:v2`,
          `${target.host}/team/app:v2`,
          '--json',
          ...hosts(),
        ]);
      const first = await copyV2();
      expect(first.code).toBe(0);
      // the new layer and the new config; the 9 shared layers were there
      expect(JSON.parse(first.stdout)).toMatchObject({
        digest: v2.digest,
        upToDate: false,
        blobs: { total: 11, exists: 9, uploaded: 2, mounted: 0 },
      });
      await expectSkopeoVerified(
        `${target.host}/team/app:v2`,
        v2.digest,
        workDir,
      );

      const again = await copyV2();
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({
        digest: v2.digest,
        upToDate: true,
        bytes: { transferred: 0 },
      });
    });

    it('survives a 503, a 429 with Retry-After and a connection dropped mid-blob', async () => {
      const faults = [
        slowSource.addRule({
          match: isBlobGet,
          fault: { kind: 'status', status: 503 },
        }),
        slowSource.addRule({
          match: isBlobGet,
          fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
        }),
        slowSource.addRule({
          match: isBlobGet,
          fault: { kind: 'drop', afterBytes: 8 * 1024 },
        }),
      ];
      try {
        await copies(
          `${slowSource.host}/team/app:v1`,
          `${target.host}/faults/app:v1`,
          v1.digest,
        );
        expect(faults.map(f => f.injected)).toEqual([1, 1, 1]);
        await expectSkopeoVerified(
          `${target.host}/faults/app:v1`,
          v1.digest,
          workDir,
        );
      } finally {
        slowSource.reset();
      }
    });

    it('stops on SIGINT mid-copy and leaves no target tag', async () => {
      // Blob downloads hang, so the copy is certainly mid-way when the signal comes.
      slowSource.addRule({
        match: isBlobGet,
        fault: { kind: 'delay', ms: 30_000 },
        times: Infinity,
      });
      try {
        const { child, done } = startCli([
          'copy',
          `${slowSource.host}/team/app:v1`,
          `${target.host}/cancelled/app:v1`,
          ...hosts(),
        ]);
        const deadline = Date.now() + 20_000;
        while (
          !slowSource.log.some(
            e => e.method === 'GET' && e.path.includes('/blobs/sha256:'),
          )
        ) {
          if (Date.now() > deadline)
            throw new Error('no blob download started');
          await new Promise(r => setTimeout(r, 20));
        }
        child.kill('SIGINT');
        const run = await done;
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(
          'cancelled; the target tag was not changed',
        );
        expect(await skopeoTags(`${target.host}/cancelled/app`)).toEqual([]);
      } finally {
        slowSource.reset();
      }
    });
  });
});
