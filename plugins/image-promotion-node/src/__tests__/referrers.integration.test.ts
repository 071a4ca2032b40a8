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
import type { Descriptor } from '../engine/types';
import {
  createOciLayout,
  digestTag,
  FaultProxy,
  ImageFixture,
  MEDIA_TYPES,
  OciLayoutFixture,
  pushRaw,
  pushWithSkopeo,
  SignatureFixture,
  skopeoInspectRaw,
  skopeoInspectRawDigest,
  skopeoTags,
  startFaultProxy,
  startRegistry,
  TestRegistry,
} from '../testing';

jest.setTimeout(180_000);

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (c: string) => (stdout += c) },
    stderr: { write: (c: string) => (stderr += c) },
    env: { DOCKER_CONFIG: '/nonexistent' },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

/**
 * A referrers index as a Go client (cosign, oras, crane) writes it: the
 * fields of its structs in declaration order, so `artifactType` comes
 * before `digest`, unlike the order this engine's parser produces.
 */
function goStyleIndex(artifacts: Descriptor[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: artifacts.map(a => ({
        mediaType: a.mediaType,
        artifactType: a.artifactType,
        digest: a.digest,
        size: a.size,
        annotations: a.annotations,
      })),
    }),
  );
}

describe('--referrers against real registries', () => {
  let layout: OciLayoutFixture;
  let origin: TestRegistry;
  let target: TestRegistry;
  let sink: FaultProxy;

  beforeAll(async () => {
    layout = await createOciLayout();
    origin = await startRegistry();
    target = await startRegistry();
    sink = await startFaultProxy(target.host);
  });

  afterEach(() => sink.reset());

  afterAll(async () => {
    await sink?.stop();
    await origin?.stop();
    await target?.stop();
    await layout?.cleanup();
  });

  /**
   * Pushes an image with two signature artefacts to `origin` under
   * `repo:1.0`, listed in a Go-style `sha256-<hex>` index.
   */
  async function signedImage(repo: string): Promise<{
    image: ImageFixture;
    signatures: SignatureFixture[];
    index: Descriptor;
    indexBytes: Buffer;
  }> {
    const image = await layout.addImage({ layers: 1, tag: `${repo}-1.0` });
    const signatures = [
      await layout.addSignature(image.manifest),
      await layout.addSignature(image.manifest),
    ];
    const indexBytes = goStyleIndex(signatures.map(s => s.artifact));
    const index = await layout.writeBlob(indexBytes, MEDIA_TYPES.index);
    await pushWithSkopeo(
      layout.dir,
      `${repo}-1.0`,
      `${origin.host}/${repo}:1.0`,
    );
    await pushRaw(
      layout.dir,
      index,
      `${origin.host}/${repo}:${digestTag(image.digest)}`,
    );
    return { image, signatures, index, indexBytes };
  }

  const copy = (repo: string) =>
    cli([
      'copy',
      '--referrers',
      `${origin.host}/${repo}:1.0`,
      `${sink.host}/${repo}:1.0`,
      '--insecure-registry',
      origin.host,
      '--insecure-registry',
      sink.host,
    ]);

  it('copies a Go-style fallback index byte for byte, and the referrers before the tag', async () => {
    const { image, signatures, index, indexBytes } = await signedImage(
      'go/app',
    );
    const run = await copy('go/app');
    expect(run.stderr).not.toContain('warning');
    expect(run.code).toBe(0);

    const fallback = `${target.host}/go/app:${digestTag(image.digest)}`;
    expect(await skopeoInspectRawDigest(fallback)).toBe(index.digest);
    expect((await skopeoInspectRaw(fallback)).equals(indexBytes)).toBe(true);
    for (const s of signatures) {
      expect(
        await skopeoInspectRawDigest(
          `${target.host}/go/app@${s.artifact.digest}`,
        ),
      ).toBe(s.artifact.digest);
    }
    expect(await skopeoInspectRawDigest(`${target.host}/go/app:1.0`)).toBe(
      image.digest,
    );

    const puts = sink.log
      .filter(e => e.method === 'PUT' && e.path.includes('/manifests/'))
      .map(e => e.path.slice(e.path.lastIndexOf('/') + 1));
    const tagAt = puts.indexOf('1.0');
    expect(tagAt).toBe(puts.length - 1);
    expect(puts.indexOf(digestTag(image.digest))).toBeLessThan(tagAt);
    for (const s of signatures) {
      expect(puts.indexOf(s.artifact.digest)).toBeGreaterThanOrEqual(0);
      expect(puts.indexOf(s.artifact.digest)).toBeLessThan(tagAt);
    }
  });

  it('leaves the tag unmoved when the referrers cannot be copied', async () => {
    await signedImage('fail/app');
    sink.addRule({
      match: r => r.method === 'PUT' && r.path.includes('/manifests/sha256-'),
      fault: { kind: 'status', status: 400 },
      times: Infinity,
    });
    const run = await copy('fail/app');
    expect(run.code).toBe(1);
    expect(await skopeoTags(`${target.host}/fail/app`)).toEqual([]);
  });

  it('merges with the referrers the target holds of its own', async () => {
    const { image, signatures, index } = await signedImage('merge/app');
    // The target already has the image with a signature of its own.
    const own = await layout.addSignature(image.manifest);
    const ownIndex = await layout.writeBlob(
      goStyleIndex([own.artifact]),
      MEDIA_TYPES.index,
    );
    await pushWithSkopeo(
      layout.dir,
      'merge/app-1.0',
      `${target.host}/merge/app:0.9`,
    );
    await pushRaw(
      layout.dir,
      ownIndex,
      `${target.host}/merge/app:${digestTag(image.digest)}`,
    );

    const run = await copy('merge/app');
    expect(run.code).toBe(0);
    const fallback = `${target.host}/merge/app:${digestTag(image.digest)}`;
    const listed = (
      JSON.parse((await skopeoInspectRaw(fallback)).toString('utf8')) as {
        manifests: Descriptor[];
      }
    ).manifests.map(d => d.digest);
    expect(listed.sort()).toEqual(
      [own.artifact.digest, ...signatures.map(s => s.artifact.digest)].sort(),
    );
    expect(await skopeoInspectRawDigest(fallback)).not.toBe(index.digest);
  });

  it('skips a listed referrer that no longer exists with a warning, and a rerun succeeds too', async () => {
    const { image, signatures } = await signedImage('stale/app');
    const [kept, gone] = signatures;
    const deleted = await fetch(
      `http://${origin.host}/v2/stale/app/manifests/${gone.artifact.digest}`,
      { method: 'DELETE' },
    );
    expect(deleted.status).toBe(202);

    for (let run = 1; run <= 2; run++) {
      const result = await copy('stale/app');
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(
        `warning: referrer ${gone.artifact.digest}`,
      );
      expect(result.stderr).toContain('no longer exists there; skipped it');
    }
    expect(await skopeoInspectRawDigest(`${target.host}/stale/app:1.0`)).toBe(
      image.digest,
    );
    const fallback = JSON.parse(
      (
        await skopeoInspectRaw(
          `${target.host}/stale/app:${digestTag(image.digest)}`,
        )
      ).toString('utf8'),
    ) as { manifests: Descriptor[] };
    expect(fallback.manifests.map(d => d.digest)).toEqual([
      kept.artifact.digest,
    ]);
  });
});
