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

import { runCli } from '../cli';
import {
  createOciLayout,
  FaultProxy,
  ImageFixture,
  isAnyRequest,
  isBlobGet,
  isBlobUpload,
  OciLayoutFixture,
  pushWithSkopeo,
  skopeoTags,
  startFaultProxy,
  startRegistry,
  TestRegistry,
} from '../testing';

jest.setTimeout(180_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the CLI in this process with captured output (the spawned bin is covered by cli.integration). */
async function cli(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const started = Date.now();
  const code = await runCli(args, {
    stdout: { write: (c: string) => (stdout += c) },
    stderr: { write: (c: string) => (stderr += c) },
    env: { DOCKER_CONFIG: '/nonexistent' },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr, ms: Date.now() - started };
}

describe('image-promotion CLI against registries that stall or break', () => {
  let layout: OciLayoutFixture;
  let image: ImageFixture;
  let origin: TestRegistry;
  let target: TestRegistry;
  let source: FaultProxy;
  let sink: FaultProxy;

  beforeAll(async () => {
    layout = await createOciLayout();
    image = await layout.addImage({
      layers: 2,
      layerSize: 256 * 1024,
      tag: '1.0.0',
    });
    origin = await startRegistry();
    target = await startRegistry();
    await pushWithSkopeo(layout.dir, '1.0.0', `${origin.host}/team/app:1.0.0`);
    source = await startFaultProxy(origin.host);
    sink = await startFaultProxy(target.host);
  });

  afterEach(() => {
    source.reset();
    sink.reset();
  });

  afterAll(async () => {
    await source?.stop();
    await sink?.stop();
    await origin?.stop();
    await target?.stop();
    await layout?.cleanup();
  });

  const hosts = () => [
    '--insecure-registry',
    source.host,
    '--insecure-registry',
    sink.host,
  ];

  it('gives up on a source that accepts and never answers within a minute with the default timeouts, blaming the source', async () => {
    source.addRule({
      match: isAnyRequest,
      fault: { kind: 'hang' },
      times: Infinity,
    });
    const run = await cli([
      'copy',
      `${source.host}/team/app:1.0.0`,
      `${sink.host}/hang/app:1.0.0`,
      ...hosts(),
    ]);
    expect(run.code).toBe(1);
    // Default: two attempts of 20 s. Generous margin for a loaded machine,
    // still far from the five minutes this used to take.
    expect(run.ms).toBeLessThan(60_000);
    expect(run.stderr).toContain(
      `registry ${source.host} accepted the connection but did not answer manifest team/app:1.0.0 within 20 s`,
    );
    expect(run.stderr).toContain(
      `retrying manifest team/app:1.0.0 at ${source.host}`,
    );
    expect(run.stderr).not.toContain(`registry ${sink.host}`);
    expect(await skopeoTags(`${target.host}/hang/app`)).toEqual([]);
  });

  it('fails a source that sends headers and then stalls the blob, naming host, blob and bytes', async () => {
    source.addRule({
      match: isBlobGet,
      fault: { kind: 'stall', afterBytes: 1000 },
      times: Infinity,
    });
    const run = await cli([
      'copy',
      `${source.host}/team/app:1.0.0`,
      `${sink.host}/stall/app:1.0.0`,
      '--idle-timeout',
      '2',
      ...hosts(),
    ]);
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(30_000);
    expect(run.stderr).toMatch(
      new RegExp(
        `registry ${source.host} stopped sending blob sha256:[0-9a-f]{64} of team/app after 1000 of \\d+ bytes: nothing arrived for 2 s`,
      ),
    );
    expect(run.stderr).not.toContain(`registry ${sink.host}`);
    expect(await skopeoTags(`${target.host}/stall/app`)).toEqual([]);
  });

  it('blames the target when the target takes an upload and never confirms it', async () => {
    sink.addRule({
      match: r => isBlobUpload(r) && r.method === 'PUT',
      fault: { kind: 'hang' },
      times: Infinity,
    });
    const run = await cli([
      'copy',
      `${source.host}/team/app:1.0.0`,
      `${sink.host}/commit/app:1.0.0`,
      '--response-timeout',
      '2',
      ...hosts(),
    ]);
    expect(run.code).toBe(1);
    expect(run.ms).toBeLessThan(30_000);
    expect(run.stderr).toMatch(
      new RegExp(
        `registry ${sink.host} accepted the connection but did not answer the upload of blob sha256:[0-9a-f]{64} to commit/app within 2 s`,
      ),
    );
    expect(run.stderr).not.toContain(`registry ${source.host}`);
  });

  it('resolve prints the digest the manifest hashes to, not what a HEAD claims', async () => {
    const lie = `sha256:${'0'.repeat(64)}`;
    source.addRule({
      match: r => r.method === 'HEAD' && r.path.includes('/manifests/'),
      fault: { kind: 'headers', set: { 'docker-content-digest': lie } },
      times: Infinity,
    });
    const run = await cli([
      'resolve',
      `${source.host}/team/app:1.0.0`,
      ...hosts(),
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${image.digest}\n`);
  });

  it('never repeats a password pasted into a reference, on stderr or in --json', async () => {
    for (const args of [
      ['resolve', 'ci:hunter2-Pass@localhost:5000/Team/App:1'],
      ['copy', 'ci:hunter2-Pass@Bad/UPPER:1', `${sink.host}/x/y:1`, '--json'],
    ]) {
      const run = await cli(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('ci:***@');
      expect(`${run.stdout}${run.stderr}`).not.toContain('hunter2');
    }
  });

  it('prints a JSON error object on stdout with --json when a copy fails, naming the registry', async () => {
    const closed = await startFaultProxy(origin.host);
    const host = closed.host;
    await closed.stop();
    const run = await cli([
      'copy',
      `${host}/team/app:1.0.0`,
      `${sink.host}/json/app:1.0.0`,
      '--json',
      '--insecure-registry',
      host,
      ...hosts(),
    ]);
    expect(run.code).toBe(1);
    const { error } = JSON.parse(run.stdout) as {
      error: { name: string; message: string; registry: string; code: string };
    };
    expect(error).toMatchObject({
      name: 'RegistryConnectionError',
      registry: host,
      code: 'ECONNREFUSED',
    });
    expect(error.message).toMatch(
      new RegExp(`^registry ${host} refused the connection`),
    );
    expect(run.stderr).not.toMatch(/ECONNREFUSED 127\.0\.0\.1/);
  });

  it('says whether an oci-layout directory or its tag is missing', async () => {
    const noDir = await cli(['resolve', 'oci-layout:/nonexistent/layout:1.0']);
    expect(noDir.code).toBe(1);
    expect(noDir.stderr).toContain(
      'oci-layout:/nonexistent/layout: there is no directory /nonexistent/layout; check the path',
    );
    const noTag = await cli([
      'copy',
      `oci-layout:${layout.dir}:9.9.9`,
      `${sink.host}/layout/app:1`,
      ...hosts(),
    ]);
    expect(noTag.code).toBe(1);
    expect(noTag.stderr).toContain(
      `oci-layout:${layout.dir}: the layout exists but has no tag "9.9.9"; its tags are 1.0.0`,
    );
  });

  it('ends a blob cut short on every attempt with host, blob and bytes received; retry lines say the same', async () => {
    source.addRule({
      match: isBlobGet,
      fault: { kind: 'drop', afterBytes: 1000 },
      times: Infinity,
    });
    const run = await cli([
      'copy',
      `${source.host}/team/app:1.0.0`,
      `${sink.host}/reset/app:1.0.0`,
      ...hosts(),
    ]);
    expect(run.code).toBe(1);
    const blob = `blob sha256:[0-9a-f]{64} of team/app`;
    expect(run.stderr).toMatch(
      new RegExp(
        `registry ${source.host} closed the connection during ${blob} after 1000 of \\d+ bytes received`,
      ),
    );
    expect(run.stderr).toMatch(
      new RegExp(
        `retrying the upload of blob sha256:[0-9a-f]{64} to reset/app at ${sink.host} \\(attempt 1, in \\d+ ms\\): connection closed after 1000 of \\d+ bytes received`,
      ),
    );
    expect(run.stderr).not.toMatch(/^image-promotion: aborted$/m);
    expect(image.digest).toMatch(/^sha256:/);
  });
});
