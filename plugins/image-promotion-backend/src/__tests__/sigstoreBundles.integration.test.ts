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

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDatabases } from '@backstage/backend-test-utils';
import type { PolicyGateResult } from '../policy';
import { PolicyRefusedError } from '../promotion/PromotionService';
import {
  createOciLayout,
  type ImageFixture,
  pushRaw,
  pushWithSkopeo,
  skopeoInspectRaw,
  skopeoInspectRawDigest,
  startRegistry,
  type TestRegistry,
} from '../__testUtils__/harness';
import {
  buildConfig,
  componentEntity,
  componentRef,
  createReplica,
  createStore,
  type DatabaseId,
  user,
} from '../__testUtils__/integrationRig';
import {
  attachBundles,
  BUNDLE_MEDIA_TYPE,
  createTestTransparencyLog,
  dsseBundle,
  generateTestKeyPair,
  messageSignatureBundle,
} from '../__testUtils__/sigstoreBundles';

jest.setTimeout(180_000);

const release = generateTestKeyPair();
const stranger = generateTestKeyPair();
const gate = {
  signatures: { keys: [{ name: 'release-key', publicKey: release.pem }] },
};

async function refusal(promise: Promise<unknown>): Promise<PolicyGateResult[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PolicyRefusedError);
  return (error as PolicyRefusedError).gates.filter(g => !g.passed);
}

describe('Sigstore bundles in the signature gate (real registries, referrers fallback tag)', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
  let dev: TestRegistry;
  let staging: TestRegistry;
  let prod: TestRegistry;

  beforeAll(async () => {
    [dev, staging, prod] = await Promise.all([
      startRegistry(),
      startRegistry(),
      startRegistry(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([dev?.stop(), staging?.stop(), prod?.stop()]);
  });

  /**
   * Pushes an image to dev under 1.0.0 and dev, and the bundles `bundlesFor`
   * makes for it as referrers (docker-registry 2.8 has no referrers API: the
   * `sha256-<hex>` fallback index lists them, as cosign writes it there).
   */
  async function pushImage(
    name: string,
    bundlesFor?: (image: ImageFixture) => Buffer[],
  ) {
    const layout = await createOciLayout();
    try {
      const image = await layout.addImage({
        tag: 'src',
        layers: 1,
        layerSize: 4096,
      });
      await pushWithSkopeo(layout.dir, 'src', `${dev.host}/${name}:1.0.0`);
      await pushWithSkopeo(layout.dir, 'src', `${dev.host}/${name}:dev`);
      const attached = bundlesFor
        ? await attachBundles(layout, image.manifest, bundlesFor(image))
        : undefined;
      if (attached) {
        await pushRaw(
          layout.dir,
          attached.index,
          `${dev.host}/${name}:${attached.indexTag}`,
        );
      }
      return { digest: image.digest, attached };
    } finally {
      await layout.cleanup();
    }
  }

  async function setup(
    databaseId: DatabaseId,
    names: string[],
    stagingGate: object = gate,
  ) {
    const { knex, stores } = await createStore(databases, databaseId);
    const config = buildConfig({
      registries: { dev: dev.host, staging: staging.host, prod: prod.host },
      environments: [
        { id: 'dev', registry: 'dev', currentTag: 'dev' },
        {
          id: 'staging',
          registry: 'staging',
          currentTag: 'staging',
          policy: stagingGate,
        },
        { id: 'prod', registry: 'prod', currentTag: 'prod', policy: gate },
      ],
    });
    const replica = createReplica({
      config,
      stores,
      entities: names.map(n => componentEntity(n)),
    });
    await replica.tracker.refreshAll();
    return { knex, stores, replica };
  }

  it.each(databases.eachSupportedId())(
    'promotes an image whose only signature is a bundle by the configured key, and the bundle travels with it (%s)',
    async databaseId => {
      const name = `bundled-${randomUUID().slice(0, 8)}`;
      const { digest, attached } = await pushImage(name, image => [
        dsseBundle({ subjects: [image.digest], key: release }),
      ]);
      const referrer = attached!.referrers[0];
      const { knex, stores, replica } = await setup(databaseId, [name]);
      const request = {
        entityRef: componentRef(name),
        targetEnvironment: 'staging',
        sourceTag: '1.0.0',
      };
      const plan = await replica.service.plan(request, 'user:default/jane');
      expect(plan.gates.find(g => g.gate === 'signatures')).toEqual({
        gate: 'signatures',
        passed: true,
        message: 'Signed by release-key.',
      });
      const created = await replica.service.request(request, user('jane'));
      expect(created.status).toBe('queued');
      expect(await replica.worker().runOnce()).toBe(true);
      expect(await stores.promotions.getPromotion(created.id)).toMatchObject({
        status: 'succeeded',
      });

      // skopeo, the independent checker: the image, the bundle referrer and
      // the fallback index are in staging with the digests they had in dev.
      expect(
        await skopeoInspectRawDigest(`${staging.host}/${name}:1.0.0`),
      ).toBe(digest);
      expect(
        await skopeoInspectRawDigest(
          `${staging.host}/${name}@${referrer.digest}`,
        ),
      ).toBe(referrer.digest);
      const copied = JSON.parse(
        (
          await skopeoInspectRaw(`${staging.host}/${name}@${referrer.digest}`)
        ).toString('utf8'),
      ) as { artifactType: string; subject: { digest: string } };
      expect(copied.artifactType).toBe(BUNDLE_MEDIA_TYPE);
      expect(copied.subject.digest).toBe(digest);
      expect(
        await skopeoInspectRawDigest(
          `${staging.host}/${name}:${attached!.indexTag}`,
        ),
      ).toBe(attached!.index.digest);

      // The next gated environment verifies the copy it finds in staging.
      await replica.tracker.refreshAll();
      const next = await replica.service.plan(
        { ...request, targetEnvironment: 'prod', sourceTag: '1.0.0' },
        'user:default/jane',
      );
      expect(next.source.id).toBe('staging');
      expect(next.gates.find(g => g.gate === 'signatures')).toMatchObject({
        passed: true,
        message: 'Signed by release-key.',
      });
      await replica.stopWorkers();
      await knex.destroy();
    },
  );

  it('passes a message-signature bundle over the manifest, and a good bundle beside a foreign one', async () => {
    const message = `message-${randomUUID().slice(0, 8)}`;
    const mixed = `mixed-${randomUUID().slice(0, 8)}`;
    await pushImage(message, image => [
      messageSignatureBundle(image.manifestBytes, release),
    ]);
    await pushImage(mixed, image => [
      dsseBundle({ subjects: [image.digest], key: stranger }),
      dsseBundle({ subjects: [image.digest], key: release }),
    ]);
    const { knex, replica } = await setup('SQLITE_3', [message, mixed]);
    for (const name of [message, mixed]) {
      const plan = await replica.service.plan(
        {
          entityRef: componentRef(name),
          targetEnvironment: 'staging',
          sourceTag: '1.0.0',
        },
        'user:default/jane',
      );
      expect(plan.gates.find(g => g.gate === 'signatures')).toEqual({
        gate: 'signatures',
        passed: true,
        message: 'Signed by release-key.',
      });
    }
    await knex.destroy();
  });

  it('refuses no bundle, a bundle by another key, a tampered bundle and one naming another digest, saying which', async () => {
    const other = `sha256:${'e'.repeat(64)}`;
    const cases = {
      unsigned: undefined,
      foreign: (image: ImageFixture) => [
        dsseBundle({ subjects: [image.digest], key: stranger }),
      ],
      anonymous: (image: ImageFixture) => [
        dsseBundle({ subjects: [image.digest], key: stranger, hint: '' }),
      ],
      tampered: (image: ImageFixture) => [
        dsseBundle({ subjects: [image.digest], key: release, tamper: true }),
      ],
      elsewhere: () => [dsseBundle({ subjects: [other], key: release })],
      messageElsewhere: (image: ImageFixture) => [
        messageSignatureBundle(
          Buffer.concat([image.manifestBytes, Buffer.from(' ')]),
          release,
        ),
      ],
    };
    const names: Record<string, string> = {};
    const pushed: Record<string, Awaited<ReturnType<typeof pushImage>>> = {};
    for (const [label, bundlesFor] of Object.entries(cases)) {
      names[label] = `${label.toLowerCase()}-${randomUUID().slice(0, 8)}`;
      pushed[label] = await pushImage(names[label], bundlesFor);
    }
    const { knex, replica } = await setup('SQLITE_3', Object.values(names));
    const refuse = async (label: string) => {
      const failed = await refusal(
        replica.service.request(
          {
            entityRef: componentRef(names[label]),
            targetEnvironment: 'staging',
            sourceTag: '1.0.0',
          },
          user('jane'),
        ),
      );
      expect(failed.map(g => g.gate)).toEqual(['signatures']);
      expect(failed[0].message).toContain(
        `requires a signature of ${pushed[label].digest} by release-key`,
      );
      return failed[0].message;
    };
    const where = (label: string) =>
      `(referrer ${pushed[label].attached!.referrers[0].digest.slice(0, 19)})`;

    expect(await refuse('unsigned')).toMatch(
      /; in \S+ found no cosign signature \(no sha256-[0-9a-f]{64}\.sig tag\); no Sigstore bundle\.$/,
    );
    expect(await refuse('foreign')).toContain(
      `a Sigstore bundle ${where('foreign')} signed by another key (key hint ${
        stranger.hint
      })`,
    );
    expect(await refuse('anonymous')).toContain(
      `a Sigstore bundle ${where(
        'anonymous',
      )} that none of the keys verifies (signed by another key, or tampered with)`,
    );
    expect(await refuse('tampered')).toContain(
      `a tampered Sigstore bundle ${where(
        'tampered',
      )}: it names release-key as its key, but its signature does not verify with it`,
    );
    expect(await refuse('elsewhere')).toContain(
      `a Sigstore bundle ${where(
        'elsewhere',
      )} by release-key whose statement names ${other}, not the promoted digest`,
    );
    expect(await refuse('messageElsewhere')).toContain(
      `a Sigstore bundle ${where(
        'messageElsewhere',
      )} whose message signature is over sha256:`,
    );
    // Nothing was copied.
    for (const name of Object.values(names)) {
      await expect(
        skopeoInspectRawDigest(`${staging.host}/${name}:1.0.0`),
      ).rejects.toThrow();
    }
    await knex.destroy();
  });

  it('with a transparency log required, passes a bundle whose entry verifies against the trusted root and refuses one without', async () => {
    const rekor = createTestTransparencyLog();
    const dir = await mkdtemp(join(tmpdir(), 'trusted-root-'));
    const trustedRoot = join(dir, 'trusted_root.json');
    await writeFile(trustedRoot, JSON.stringify(rekor.trustedRoot));
    const logged = `logged-${randomUUID().slice(0, 8)}`;
    const unlogged = `unlogged-${randomUUID().slice(0, 8)}`;
    await pushImage(logged, image => [
      rekor.addEntry(
        dsseBundle({ subjects: [image.digest], key: release }),
        release.pem,
      ),
    ]);
    await pushImage(unlogged, image => [
      dsseBundle({ subjects: [image.digest], key: release }),
    ]);
    const { knex, replica } = await setup('SQLITE_3', [logged, unlogged], {
      signatures: { ...gate.signatures, transparencyLog: { trustedRoot } },
    });
    const plan = (name: string) =>
      replica.service.plan(
        {
          entityRef: componentRef(name),
          targetEnvironment: 'staging',
          sourceTag: '1.0.0',
        },
        'user:default/jane',
      );
    expect(
      (await plan(logged)).gates.find(g => g.gate === 'signatures'),
    ).toEqual({
      gate: 'signatures',
      passed: true,
      message: 'Signed by release-key.',
    });
    const refused = (await plan(unlogged)).gates.find(
      g => g.gate === 'signatures',
    );
    expect(refused?.passed).toBe(false);
    expect(refused?.message).toContain(
      `by release-key naming the digest, without the 1 transparency-log entry required (verified against ${trustedRoot}): expected 1 tlog entries, got 0`,
    );
    await knex.destroy();
    await rm(dir, { recursive: true, force: true });
  });
});
