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

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  createOciLayout,
  IndexFixture,
  ImageFixture,
  isBlobGet,
  makeTempDir,
  OciLayoutFixture,
  pushSignature,
  pushWithSkopeo,
  removeTempDir,
  runCommand,
  SignatureFixture,
  skopeoCopyToDir,
  skopeoInspectRaw,
  skopeoInspectRawDigest,
  skopeoTags,
  startFaultProxy,
  isAnyRequest,
  startRegistry,
  startTokenServer,
  TestRegistry,
  TokenServer,
} from '.';

jest.setTimeout(120_000);

const alice = { username: 'alice', password: 'wonderland-Secret-1' };

describe('test harness', () => {
  let layout: OciLayoutFixture;
  let image: ImageFixture;
  let index: IndexFixture;
  let signature: SignatureFixture;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    layout = await createOciLayout();
    cleanups.push(() => layout.cleanup());
    image = await layout.addImage({
      layers: 3,
      layerSize: 100_000,
      tag: 'single',
    });
    index = await layout.addIndex({ tag: 'multi' });
    signature = await layout.addSignature(image.manifest);
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
  });

  it('builds layers that are real gzip tars with matching diff_ids', async () => {
    const layer = image.layers[0];
    const blob = await readFile(layout.blobPath(layer.descriptor.digest));
    expect(blob.length).toBe(layer.descriptor.size);
    const tar = gunzipSync(blob);
    expect(`sha256:${createHash('sha256').update(tar).digest('hex')}`).toBe(
      layer.diffId,
    );
    const listing = await runCommand('tar', [
      '-tzf',
      layout.blobPath(layer.descriptor.digest),
    ]);
    expect(listing.stdout.toString()).toMatch(/^payload\/.+\.bin$/m);
    const config = JSON.parse(
      (await layout.readBlob(image.config.digest)).toString(),
    ) as { rootfs: { diff_ids: string[] } };
    expect(config.rootfs.diff_ids).toEqual(image.layers.map(l => l.diffId));
  });

  it('shares layers between images when asked', async () => {
    const other = await layout.addImage({
      layers: 3,
      layerSize: 1000,
      reuseLayers: image.layers.slice(0, 2),
    });
    expect(other.layers.slice(0, 2)).toEqual(image.layers.slice(0, 2));
    expect(other.layers[2].descriptor.digest).not.toBe(
      image.layers[2].descriptor.digest,
    );
  });

  it('pushes fixtures to a plain registry with skopeo and reads them back', async () => {
    const registry = await startRegistry();
    cleanups.push(() => registry.stop());
    const repo = `${registry.host}/harness/plain`;

    await pushWithSkopeo(layout.dir, 'single', `${repo}:single`);
    await pushWithSkopeo(layout.dir, 'multi', `${repo}:multi`);
    await pushSignature(layout.dir, signature, repo);

    expect(await skopeoInspectRawDigest(`${repo}:single`)).toBe(image.digest);
    expect(await skopeoInspectRawDigest(`${repo}:multi`)).toBe(index.digest);
    expect(
      await skopeoInspectRawDigest(`${repo}@${signature.artifact.digest}`),
    ).toBe(signature.artifact.digest);
    const artifact = JSON.parse(
      (
        await skopeoInspectRaw(`${repo}@${signature.artifact.digest}`)
      ).toString(),
    ) as { subject: { digest: string }; artifactType: string };
    expect(artifact.subject.digest).toBe(image.digest);
    expect((await skopeoTags(repo)).sort()).toEqual(
      ['multi', 'single', signature.cosignTag, signature.referrersTag].sort(),
    );
    expect(await skopeoTags(`${registry.host}/harness/nothing-here`)).toEqual(
      [],
    );

    const dir = makeTempDir('harness-dir');
    cleanups.push(() => removeTempDir(dir));
    await skopeoCopyToDir(`${repo}:multi`, dir);
    expect((await readdir(dir)).length).toBeGreaterThan(4);

    const layoutCopy = makeTempDir('harness-oci');
    cleanups.push(() => removeTempDir(layoutCopy));
    await skopeoCopyToDir(`${repo}:single`, join(layoutCopy, 'x'));
  });

  it('runs an htpasswd registry that refuses anonymous and wrong passwords', async () => {
    const registry = await startRegistry({ auth: { htpasswd: [alice] } });
    cleanups.push(() => registry.stop());
    const ref = `${registry.host}/harness/basic:1`;

    await pushWithSkopeo(layout.dir, 'single', ref, { creds: alice });
    expect(await skopeoInspectRawDigest(ref, { creds: alice })).toBe(
      image.digest,
    );

    await expect(skopeoInspectRawDigest(ref)).rejects.toThrow(
      /unauthorized|authentication required/i,
    );
    const wrong = { username: 'alice', password: 'not-the-Password-9' };
    const failure = skopeoInspectRawDigest(ref, { creds: wrong });
    await expect(failure).rejects.toThrow(
      /unauthorized|authentication required|invalid username/i,
    );
    await expect(failure).rejects.not.toThrow(wrong.password);
  });

  it('runs a token-auth registry backed by the token server', async () => {
    const tokenServer: TokenServer = await startTokenServer({ users: [alice] });
    cleanups.push(() => tokenServer.stop());
    const registry: TestRegistry = await startRegistry({
      auth: { token: tokenServer },
    });
    cleanups.push(() => registry.stop());
    const ref = `${registry.host}/harness/token:1`;

    await pushWithSkopeo(layout.dir, 'multi', ref, { creds: alice });
    expect(await skopeoInspectRawDigest(ref, { creds: alice })).toBe(
      index.digest,
    );
    const granted = tokenServer.requests.filter(r => r.username === 'alice');
    expect(granted.length).toBeGreaterThan(0);
    expect(granted.flatMap(r => r.granted.flatMap(a => a.actions))).toContain(
      'push',
    );

    await expect(skopeoInspectRawDigest(ref)).rejects.toThrow(
      /unauthorized|authentication required|denied/i,
    );
    await expect(
      skopeoInspectRawDigest(ref, {
        creds: { username: 'alice', password: 'nope' },
      }),
    ).rejects.toThrow();
    expect(tokenServer.requests.some(r => r.rejected)).toBe(true);
  });

  it('proxies a registry, rewrites upload locations and injects faults', async () => {
    const registry = await startRegistry();
    cleanups.push(() => registry.stop());
    const proxy = await startFaultProxy(registry.host);
    cleanups.push(() => proxy.stop());

    // A skopeo push through the proxy only works when upload locations stay on it.
    await pushWithSkopeo(
      layout.dir,
      'single',
      `${proxy.host}/harness/proxied:1`,
    );
    expect(
      proxy.log.some(e => e.method === 'PATCH' || e.method === 'PUT'),
    ).toBe(true);
    expect(
      await skopeoInspectRawDigest(`${registry.host}/harness/proxied:1`),
    ).toBe(image.digest);

    const unavailable = proxy.addRule({
      match: r => r.path === '/v2/',
      fault: { kind: 'status', status: 503 },
    });
    const first = await fetch(`${proxy.url}/v2/`);
    expect(first.status).toBe(503);
    const second = await fetch(`${proxy.url}/v2/`);
    expect(second.status).toBe(200);
    expect(unavailable.injected).toBe(1);

    const limited = proxy.addRule({
      match: r => r.path === '/v2/',
      fault: { kind: 'status', status: 429, retryAfterSeconds: 2 },
    });
    const throttled = await fetch(`${proxy.url}/v2/`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2');
    expect(limited.injected).toBe(1);

    const layer = image.layers[0].descriptor;
    const dropped = proxy.addRule({
      match: isBlobGet,
      fault: { kind: 'drop', afterBytes: 1000 },
    });
    const blobUrl = `${proxy.url}/v2/harness/proxied/blobs/${layer.digest}`;
    const cut = await fetch(blobUrl);
    expect(cut.status).toBe(200);
    await expect(cut.arrayBuffer()).rejects.toThrow();
    expect(dropped.injected).toBe(1);
    const whole = Buffer.from(await (await fetch(blobUrl)).arrayBuffer());
    expect(whole.length).toBe(layer.size);
    expect(proxy.stats.faults).toBe(3);
  });

  it('stalls: accepts and never answers, or sends headers and then goes silent', async () => {
    const registry = await startRegistry();
    cleanups.push(() => registry.stop());
    await pushWithSkopeo(layout.dir, 'single', `${registry.host}/harness/s:1`);
    const proxy = await startFaultProxy(registry.host);
    cleanups.push(() => proxy.stop());
    const layer = image.layers[0].descriptor;
    const blobUrl = `${proxy.url}/v2/harness/s/blobs/${layer.digest}`;

    const hang = proxy.addRule({
      match: isAnyRequest,
      fault: { kind: 'hang' },
    });
    const unanswered = await fetch(blobUrl, {
      signal: AbortSignal.timeout(1500),
    }).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    expect(unanswered).toBe('TimeoutError');
    expect(hang.injected).toBe(1);

    const stall = proxy.addRule({
      match: isBlobGet,
      fault: { kind: 'stall', afterBytes: 1000 },
    });
    const controller = new AbortController();
    const stalled = await fetch(blobUrl, { signal: controller.signal });
    expect(stalled.status).toBe(200);
    const reader = stalled.body!.getReader();
    let received = 0;
    const timer = setTimeout(() => controller.abort(), 1500);
    const ending = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'ended';
        received += value.length;
      }
    })().catch((error: Error) => error.name);
    clearTimeout(timer);
    expect(ending).toBe('AbortError');
    expect(received).toBe(1000);
    expect(stall.injected).toBe(1);
    // The registry behind is still fine.
    const whole = Buffer.from(await (await fetch(blobUrl)).arrayBuffer());
    expect(whole.length).toBe(layer.size);
  });
});
