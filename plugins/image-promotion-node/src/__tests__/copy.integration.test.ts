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
import {
  AuthenticationError,
  copyImage,
  CopyOptions,
  CopyProgressEvent,
  CopyResult,
  CredentialProvider,
  ImmutableTagError,
  NotFoundError,
  openImageRepository,
  StaticCredentialProvider,
} from '../index';
import {
  createOciLayout,
  digestTag,
  FaultProxy,
  ImageFixture,
  IndexFixture,
  isBlobGet,
  isBlobUpload,
  isManifestPut,
  makeTempDir,
  OciLayoutFixture,
  pushSignature,
  pushWithSkopeo,
  removeTempDir,
  SignatureFixture,
  SkopeoCredentials,
  skopeoCopyToDir,
  skopeoInspectRaw,
  skopeoInspectRawDigest,
  skopeoTags,
  startFaultProxy,
  startRegistry,
  startTokenServer,
  TestRegistry,
  TokenServer,
} from '../testing';

jest.setTimeout(180_000);

const alice = { username: 'alice', password: 'Wonderland-Secret-42' };

/** Everything the suite starts once and shares. */
interface World {
  layout: OciLayoutFixture;
  single: ImageFixture;
  other: ImageFixture;
  multi: IndexFixture;
  base10: ImageFixture;
  next10: ImageFixture;
  big: ImageFixture;
  signed: ImageFixture;
  signature: SignatureFixture;
  source: TestRegistry;
  target: TestRegistry;
  basic: TestRegistry;
  tokenServer: TokenServer;
  token: TestRegistry;
}

let world: World;
const cleanups: Array<() => Promise<void>> = [];

/** Proxies join the registries the engine may talk plain http to. */
const extraInsecureHosts: string[] = [];

function insecureHosts(): string[] {
  const hosts = [
    world.source.host,
    world.target.host,
    world.basic.host,
    world.token.host,
  ];
  return hosts.concat(extraInsecureHosts);
}

function aliceEverywhere(): CredentialProvider {
  return new StaticCredentialProvider({
    [world.basic.host]: alice,
    [world.token.host]: alice,
  });
}

interface CopyCall {
  credentials?: CredentialProvider;
  options?: CopyOptions;
}

/** Copies `from` to `to` (both full references with a tag) and records progress events. */
async function copy(
  from: string,
  to: string,
  call: CopyCall = {},
): Promise<{ result: CopyResult; events: CopyProgressEvent[] }> {
  const events: CopyProgressEvent[] = [];
  const open = (reference: string) =>
    openImageRepository(reference, {
      credentials: call.credentials,
      insecureRegistries: insecureHosts(),
    });
  const source = open(from);
  const target = open(to);
  const userProgress = call.options?.onProgress;
  const result = await copyImage(
    source.repository,
    source.reference,
    target.repository,
    target.reference,
    {
      ...call.options,
      onProgress: event => {
        events.push(event);
        userProgress?.(event);
      },
    },
  );
  return { result, events };
}

/** The checks every copy gets: same raw digest at both ends, and the target copies out whole. */
async function expectVerifiedCopy(
  from: string,
  to: string,
  options: { fromCreds?: SkopeoCredentials; toCreds?: SkopeoCredentials } = {},
): Promise<string> {
  const sourceDigest = await skopeoInspectRawDigest(from, {
    creds: options.fromCreds,
  });
  const targetDigest = await skopeoInspectRawDigest(to, {
    creds: options.toCreds,
  });
  expect(targetDigest).toBe(sourceDigest);
  const dir = makeTempDir('verify');
  try {
    await skopeoCopyToDir(to, join(dir, 'image'), { creds: options.toCreds });
  } finally {
    await removeTempDir(dir);
  }
  return targetDigest;
}

function blobBytes(image: ImageFixture): number {
  return (
    image.config.size +
    image.layers.reduce((sum, layer) => sum + layer.descriptor.size, 0)
  );
}

function uploadedDigests(events: CopyProgressEvent[]): string[] {
  return events.flatMap(event =>
    event.type === 'blob' &&
    event.status === 'done' &&
    event.outcome === 'uploaded'
      ? [event.digest]
      : [],
  );
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) {
      return error;
    }
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected the promise to reject, but it resolved');
}

beforeAll(async () => {
  const layout = await createOciLayout();
  cleanups.push(() => layout.cleanup());
  const single = await layout.addImage({
    layers: 3,
    layerSize: 200_000,
    tag: 'single',
  });
  const other = await layout.addImage({
    layers: 2,
    layerSize: 50_000,
    tag: 'other',
  });
  const multi = await layout.addIndex({
    layers: 2,
    layerSize: 100_000,
    tag: 'multi',
  });
  const base10 = await layout.addImage({
    layers: 10,
    layerSize: 50_000,
    tag: 'base10',
  });
  const next10 = await layout.addImage({
    layers: 10,
    layerSize: 50_000,
    reuseLayers: base10.layers.slice(0, 9),
    tag: 'next10',
  });
  const big = await layout.addImage({
    layers: 8,
    layerSize: 2_000_000,
    tag: 'big',
  });
  const signed = await layout.addImage({
    layers: 1,
    layerSize: 10_000,
    tag: 'signed',
  });
  const signature = await layout.addSignature(signed.manifest);

  const tokenServer = await startTokenServer({ users: [alice] });
  cleanups.push(() => tokenServer.stop());
  const [source, target, basic, token] = await Promise.all([
    startRegistry(),
    startRegistry(),
    startRegistry({ auth: { htpasswd: [alice] } }),
    startRegistry({ auth: { token: tokenServer } }),
  ]);
  for (const registry of [source, target, basic, token]) {
    cleanups.push(() => registry.stop());
  }
  world = {
    layout,
    single,
    other,
    multi,
    base10,
    next10,
    big,
    signed,
    signature,
    source,
    target,
    basic,
    tokenServer,
    token,
  };

  const app = `${source.host}/team/app`;
  for (const tag of [
    'single',
    'other',
    'multi',
    'base10',
    'next10',
    'big',
    'signed',
  ]) {
    await pushWithSkopeo(layout.dir, tag, `${app}:${tag}`);
  }
  await pushSignature(layout.dir, signature, app);
  await pushWithSkopeo(layout.dir, 'single', `${basic.host}/team/app:single`, {
    creds: alice,
  });
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) {
    await cleanup();
  }
});

describe('copyImage against real registries', () => {
  it('copies a single-platform image across registries byte for byte', async () => {
    const from = `${world.source.host}/team/app:single`;
    const to = `${world.target.host}/team/single:1.0`;
    const { result, events } = await copy(from, to);

    expect(result.digest).toBe(world.single.digest);
    expect(result.upToDate).toBe(false);
    expect(result.manifests).toBe(1);
    expect(result.blobs.total).toBe(4);
    expect(result.blobs.uploaded).toBe(4);
    expect(result.bytes.total).toBeGreaterThanOrEqual(blobBytes(world.single));
    expect(result.bytes.transferred).toBeGreaterThanOrEqual(
      blobBytes(world.single),
    );
    expect(events[0]).toMatchObject({ type: 'plan', blobs: 4, manifests: 1 });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'manifest',
        digest: world.single.digest,
      }),
    );
    expect(await expectVerifiedCopy(from, to)).toBe(world.single.digest);
  });

  it('copies a multi-platform index with all its platforms', async () => {
    const from = `${world.source.host}/team/app:multi`;
    const to = `${world.target.host}/team/multi:all`;
    const { result } = await copy(from, to);

    expect(result.digest).toBe(world.multi.digest);
    expect(result.manifests).toBe(3);
    expect(result.blobs.total).toBe(6);
    expect(await expectVerifiedCopy(from, to)).toBe(world.multi.digest);
    for (const image of world.multi.images) {
      expect(
        await skopeoInspectRawDigest(
          `${world.target.host}/team/multi@${image.digest}`,
        ),
      ).toBe(image.digest);
    }
  });

  it('copies an index unchanged when the platform list names all of its platforms', async () => {
    const from = `${world.source.host}/team/app:multi`;
    const to = `${world.target.host}/team/multi-listed:all`;
    const { result } = await copy(from, to, {
      options: { platforms: ['linux/arm64', 'linux/amd64'] },
    });

    expect(result.digest).toBe(world.multi.digest);
    expect(result.manifests).toBe(3);
    expect(await expectVerifiedCopy(from, to)).toBe(world.multi.digest);
  });

  it('copies only the requested platform of an index', async () => {
    const [amd64, arm64] = world.multi.images;
    expect(arm64.manifest.platform?.architecture).toBe('arm64');
    const from = `${world.source.host}/team/app:multi`;
    const repo = `${world.target.host}/team/multi-arm`;
    const { result } = await copy(from, `${repo}:arm`, {
      options: { platforms: ['linux/arm64'] },
    });

    // A one-platform selection copies that platform's manifest: its digest is
    // preserved, whereas a trimmed index would be a new, never-built digest.
    expect(result.digest).toBe(arm64.digest);
    expect(await skopeoInspectRawDigest(`${repo}:arm`)).toBe(result.digest);
    expect(await skopeoInspectRawDigest(`${repo}@${arm64.digest}`)).toBe(
      arm64.digest,
    );
    const dir = makeTempDir('verify-arm');
    try {
      await skopeoCopyToDir(`${repo}@${arm64.digest}`, join(dir, 'image'));
    } finally {
      await removeTempDir(dir);
    }
    await expect(
      skopeoInspectRawDigest(`${repo}@${amd64.digest}`),
    ).rejects.toThrow(/manifest unknown|not found/i);
    expect(result.blobs.total).toBe(3);
  });

  it('mounts blobs instead of uploading them when promoting within one registry', async () => {
    const from = `${world.source.host}/team/app:single`;
    const to = `${world.source.host}/prod/app:single`;
    const { result } = await copy(from, to);

    expect(result.blobs.mounted).toBeGreaterThan(0);
    expect(result.blobs.mounted + result.blobs.exists).toBe(4);
    expect(result.blobs.uploaded).toBe(0);
    expect(result.bytes.transferred).toBeLessThan(blobBytes(world.single));
    expect(await expectVerifiedCopy(from, to)).toBe(world.single.digest);
  });

  it('uploads only the missing layer when the target already has 9 of 10', async () => {
    const repo = `${world.target.host}/team/most`;
    await copy(`${world.source.host}/team/app:base10`, `${repo}:base`);

    const from = `${world.source.host}/team/app:next10`;
    const { result, events } = await copy(from, `${repo}:next`);

    const newLayer = world.next10.layers[9].descriptor.digest;
    expect(result.blobs.total).toBe(11);
    expect(result.blobs.exists).toBe(9);
    expect(result.blobs.mounted).toBe(0);
    // the one new layer, and the config (which lists a different diff_id)
    expect(result.blobs.uploaded).toBe(2);
    expect(uploadedDigests(events).sort()).toEqual(
      [newLayer, world.next10.config.digest].sort(),
    );
    expect(result.bytes.transferred).toBeLessThan(
      blobBytes(world.next10) - 8 * world.next10.layers[0].descriptor.size,
    );
    expect(await expectVerifiedCopy(from, `${repo}:next`)).toBe(
      world.next10.digest,
    );
  });

  it('does nothing when the target tag already has the digest', async () => {
    const from = `${world.source.host}/team/app:single`;
    const to = `${world.target.host}/team/again:1.0`;
    await copy(from, to);
    const { result, events } = await copy(from, to);

    expect(result.upToDate).toBe(true);
    expect(result.digest).toBe(world.single.digest);
    expect(result.blobs.uploaded).toBe(0);
    expect(result.blobs.mounted).toBe(0);
    expect(result.bytes.transferred).toBe(0);
    expect(uploadedDigests(events)).toEqual([]);
    expect(await expectVerifiedCopy(from, to)).toBe(world.single.digest);
  });

  it('refuses to move an existing tag with noClobber and leaves it untouched', async () => {
    const to = `${world.target.host}/team/immutable:1.0`;
    await copy(`${world.source.host}/team/app:single`, to);

    const error = await caught(
      copy(`${world.source.host}/team/app:other`, to, {
        options: { noClobber: true },
      }),
    );
    expect(error).toBeInstanceOf(ImmutableTagError);
    expect(error.message).toContain(world.single.digest);
    expect(await skopeoInspectRawDigest(to)).toBe(world.single.digest);

    // the same digest again is not a clobber
    const { result } = await copy(`${world.source.host}/team/app:single`, to, {
      options: { noClobber: true },
    });
    expect(result.upToDate).toBe(true);
  });

  it('authenticates with Basic credentials against an htpasswd registry', async () => {
    const from = `${world.source.host}/team/app:multi`;
    const to = `${world.basic.host}/team/basic:multi`;
    const { result } = await copy(from, to, {
      credentials: aliceEverywhere(),
    });

    expect(result.digest).toBe(world.multi.digest);
    expect(await expectVerifiedCopy(from, to, { toCreds: alice })).toBe(
      world.multi.digest,
    );
    await expect(skopeoInspectRawDigest(to)).rejects.toThrow(
      /unauthorized|authentication required/i,
    );
  });

  it('exchanges Basic credentials for a Bearer token with the token service', async () => {
    const before = world.tokenServer.requests.length;
    const from = `${world.basic.host}/team/app:single`;
    const to = `${world.token.host}/team/token:single`;
    const { result } = await copy(from, to, {
      credentials: aliceEverywhere(),
    });

    expect(result.digest).toBe(world.single.digest);
    const requests = world.tokenServer.requests.slice(before);
    expect(requests.some(r => r.username === 'alice')).toBe(true);
    expect(
      requests.some(r =>
        r.granted.some(
          access =>
            access.name === 'team/token' && access.actions.includes('push'),
        ),
      ),
    ).toBe(true);
    expect(requests.every(r => !r.rejected)).toBe(true);
    expect(
      await expectVerifiedCopy(from, to, { fromCreds: alice, toCreds: alice }),
    ).toBe(world.single.digest);

    // a promotion inside the token registry mounts, with pull scope on the source repository
    const promoted = `${world.token.host}/prod/token:single`;
    const mount = await copy(to, promoted, { credentials: aliceEverywhere() });
    expect(mount.result.blobs.mounted).toBeGreaterThan(0);
    expect(
      await expectVerifiedCopy(to, promoted, {
        fromCreds: alice,
        toCreds: alice,
      }),
    ).toBe(world.single.digest);
  });

  it('fails with AuthenticationError and no password in the message on a wrong password', async () => {
    const wrong = { username: 'alice', password: 'Not-Her-Password-77' };
    for (const registry of [world.basic, world.token]) {
      const error = await caught(
        copy(
          `${world.source.host}/team/app:single`,
          `${registry.host}/team/denied:1`,
          {
            credentials: new StaticCredentialProvider({
              [registry.host]: wrong,
            }),
          },
        ),
      );
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.name).toBe('AuthenticationError');
      expect(error.message).toContain(registry.host);
      expect(error.message).not.toContain(wrong.password);
      expect(String(error.stack)).not.toContain(wrong.password);
      expect(JSON.stringify(error)).not.toContain(wrong.password);
    }
    expect(
      await skopeoTags(`${world.basic.host}/team/denied`, { creds: alice }),
    ).toEqual([]);
  });

  it('fails with NotFoundError naming the reference when the source tag is missing', async () => {
    const to = `${world.target.host}/team/missing:1`;
    const error = await caught(
      copy(`${world.source.host}/team/app:does-not-exist`, to),
    );
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.message).toContain('does-not-exist');
    expect(await skopeoTags(`${world.target.host}/team/missing`)).toEqual([]);
  });

  describe('through a fault-injecting proxy', () => {
    let sourceProxy: FaultProxy;
    let targetProxy: FaultProxy;

    beforeAll(async () => {
      sourceProxy = await startFaultProxy(world.source.host);
      targetProxy = await startFaultProxy(world.target.host);
      extraInsecureHosts.push(sourceProxy.host, targetProxy.host);
    });

    afterAll(async () => {
      await sourceProxy.stop();
      await targetProxy.stop();
    });

    it('survives a 5xx, a 429 with Retry-After and a connection dropped mid-blob', async () => {
      const dropped = sourceProxy.addRule({
        name: 'drop mid-blob',
        match: request =>
          isBlobGet(request) &&
          request.path.endsWith(world.single.layers[0].descriptor.digest),
        fault: { kind: 'drop', afterBytes: 16_384 },
      });
      const unavailable = sourceProxy.addRule({
        name: '503 on blob',
        match: request =>
          isBlobGet(request) &&
          request.path.endsWith(world.single.layers[1].descriptor.digest),
        fault: { kind: 'status', status: 503 },
      });
      const throttled = targetProxy.addRule({
        name: '429 on upload',
        match: isBlobUpload,
        fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
      });
      const manifestFailure = targetProxy.addRule({
        name: '500 on manifest put',
        match: isManifestPut,
        fault: { kind: 'status', status: 500 },
      });

      const from = `${sourceProxy.host}/team/app:single`;
      const to = `${targetProxy.host}/team/faults:1.0`;
      const started = Date.now();
      const { result, events } = await copy(from, to);

      expect(result.digest).toBe(world.single.digest);
      expect(dropped.injected).toBe(1);
      expect(unavailable.injected).toBe(1);
      expect(throttled.injected).toBe(1);
      expect(manifestFailure.injected).toBe(1);
      expect(sourceProxy.stats.faults + targetProxy.stats.faults).toBe(4);
      // Retry-After: 1 was honoured
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(
        events.filter(e => e.type === 'retry').length,
      ).toBeGreaterThanOrEqual(3);
      expect(
        await expectVerifiedCopy(
          `${world.source.host}/team/app:single`,
          `${world.target.host}/team/faults:1.0`,
        ),
      ).toBe(world.single.digest);
    });

    it('copies when the target claims on HEAD to hold the digest but its manifest is another', async () => {
      const repo = `${world.target.host}/team/claimed`;
      await copy(`${world.source.host}/team/app:single`, `${repo}:1.0`);
      // The target's answers about the tag name the digest being promoted,
      // while the tag still holds the previous image.
      const lie = targetProxy.addRule({
        name: 'digest header lie',
        match: r =>
          (r.method === 'HEAD' || r.method === 'GET') &&
          r.path === '/v2/team/claimed/manifests/1.0',
        fault: {
          kind: 'headers',
          set: { 'docker-content-digest': world.other.digest },
        },
        times: Infinity,
      });

      const { result } = await copy(
        `${world.source.host}/team/app:other`,
        `${targetProxy.host}/team/claimed:1.0`,
      );

      expect(lie.matched).toBeGreaterThanOrEqual(1);
      expect(result.upToDate).toBe(false);
      expect(result.digest).toBe(world.other.digest);
      expect(await skopeoInspectRawDigest(`${repo}:1.0`)).toBe(
        world.other.digest,
      );
    });
  });

  it('cancels mid-copy and leaves no target tag behind', async () => {
    const controller = new AbortController();
    const repo = `${world.target.host}/team/cancelled`;
    let abortedAt: CopyProgressEvent | undefined;
    const error = await caught(
      copy(`${world.source.host}/team/app:big`, `${repo}:1.0`, {
        options: {
          signal: controller.signal,
          concurrency: 2,
          onProgress: event => {
            if (
              !abortedAt &&
              event.type === 'blob' &&
              event.status === 'progress'
            ) {
              abortedAt = event;
              controller.abort();
            }
          },
        },
      }),
    );
    expect(abortedAt).toBeDefined();
    expect(error.name).toBe('AbortError');
    // give any straggling request time to land before looking
    await new Promise(resolve => setTimeout(resolve, 500));
    expect(await skopeoTags(repo)).toEqual([]);
  });

  it('copies signatures along when referrers are enabled', async () => {
    const { signature, signed } = world;
    const from = `${world.source.host}/team/app:signed`;
    const plainRepo = `${world.target.host}/team/unsigned`;
    await copy(from, `${plainRepo}:1.0`);
    expect(await skopeoTags(plainRepo)).toEqual(['1.0']);

    const repo = `${world.target.host}/team/signed`;
    const { result } = await copy(from, `${repo}:1.0`, {
      options: { referrers: true },
    });
    expect(result.digest).toBe(signed.digest);
    expect(result.referrers).toEqual(
      expect.arrayContaining([
        signature.cosign.digest,
        signature.artifact.digest,
      ]),
    );

    expect(await skopeoInspectRawDigest(`${repo}:${signature.cosignTag}`)).toBe(
      signature.cosign.digest,
    );
    expect(
      await skopeoInspectRawDigest(`${repo}@${signature.artifact.digest}`),
    ).toBe(signature.artifact.digest);
    // distribution 2.8 has no referrers API, so the artefact must be listed under the fallback tag
    const fallback = JSON.parse(
      (await skopeoInspectRaw(`${repo}:${digestTag(signed.digest)}`)).toString(
        'utf8',
      ),
    ) as { manifests: Array<{ digest: string; artifactType?: string }> };
    expect(fallback.manifests).toContainEqual(
      expect.objectContaining({
        digest: signature.artifact.digest,
        artifactType: signature.artifact.artifactType,
      }),
    );
    expect(await expectVerifiedCopy(from, `${repo}:1.0`)).toBe(signed.digest);
    const dir = makeTempDir('verify-sig');
    try {
      await skopeoCopyToDir(`${repo}:${signature.cosignTag}`, join(dir, 'sig'));
    } finally {
      await removeTempDir(dir);
    }
  });

  it('copies from an OCI image layout to a registry', async () => {
    const from = `oci-layout:${world.layout.dir}:multi`;
    const to = `${world.target.host}/team/from-layout:multi`;
    const { result } = await copy(from, to);

    expect(result.digest).toBe(world.multi.digest);
    expect(await expectVerifiedCopy(`oci:${world.layout.dir}:multi`, to)).toBe(
      world.multi.digest,
    );
  });

  it('copies from a registry to an OCI image layout that skopeo can read', async () => {
    const dir = makeTempDir('out-layout');
    cleanups.push(() => removeTempDir(dir));
    const layoutDir = join(dir, 'layout');
    const from = `${world.source.host}/team/app:multi`;
    const { result } = await copy(from, `oci-layout:${layoutDir}:v1`);

    expect(result.digest).toBe(world.multi.digest);
    expect(await expectVerifiedCopy(from, `oci:${layoutDir}:v1`)).toBe(
      world.multi.digest,
    );
    // and a second image into the same layout keeps the first one readable
    await copy(
      `${world.source.host}/team/app:single`,
      `oci-layout:${layoutDir}:v2`,
    );
    expect(await skopeoInspectRawDigest(`oci:${layoutDir}:v1`)).toBe(
      world.multi.digest,
    );
    expect(await skopeoInspectRawDigest(`oci:${layoutDir}:v2`)).toBe(
      world.single.digest,
    );
  });
});
