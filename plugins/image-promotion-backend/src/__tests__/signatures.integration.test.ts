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
import { TestDatabases } from '@backstage/backend-test-utils';
import type { PolicyGateResult } from '../policy';
import { PolicyRefusedError } from '../promotion/PromotionService';
import { cosignSignatureTag } from '../signatures/verifyCosignSignatures';
import {
  addCosignSignature,
  createOciLayout,
  generateCosignKeyPair,
  OciLayoutFixture,
  pushWithSkopeo,
  skopeoInspectRawDigest,
  startRegistry,
  TestRegistry,
} from '../__testUtils__/harness';
import {
  buildConfig,
  componentEntity,
  componentRef,
  createReplica,
  createStore,
  user,
} from '../__testUtils__/integrationRig';

jest.setTimeout(180_000);

async function refusal(promise: Promise<unknown>): Promise<PolicyGateResult[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PolicyRefusedError);
  return (error as PolicyRefusedError).gates.filter(g => !g.passed);
}

describe('signatures as a policy gate (real registries)', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let dev: TestRegistry;
  let prod: TestRegistry;
  const release = generateCosignKeyPair();
  const stranger = generateCosignKeyPair();

  beforeAll(async () => {
    [dev, prod] = await Promise.all([startRegistry(), startRegistry()]);
  });

  afterAll(async () => {
    await Promise.all([dev?.stop(), prod?.stop()]);
  });

  /** Pushes an image (and what `sign` adds to the layout) to dev under 1.0.0 and dev. */
  async function pushImage(
    name: string,
    signWith?: (layout: OciLayoutFixture, digest: string) => Promise<string>,
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
      if (signWith) {
        const tag = await signWith(layout, image.digest);
        await pushWithSkopeo(layout.dir, tag, `${dev.host}/${name}:${tag}`);
      }
      return image.digest;
    } finally {
      await layout.cleanup();
    }
  }

  async function setup(names: string[]) {
    const { knex, stores } = await createStore(databases, 'SQLITE_3');
    const config = buildConfig({
      registries: { dev: dev.host, prod: prod.host },
      environments: [
        { id: 'dev', registry: 'dev', currentTag: 'dev' },
        {
          id: 'prod',
          registry: 'prod',
          currentTag: 'prod',
          policy: {
            signatures: {
              keys: [{ name: 'release-key', publicKey: release.publicKeyPem }],
            },
          },
        },
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

  it('promotes a signed image into a gated environment, with its signature', async () => {
    const name = `signed-${randomUUID().slice(0, 8)}`;
    const digest = await pushImage(name, (layout, d) =>
      addCosignSignature(layout, d, release.privateKey),
    );
    const { knex, stores, replica } = await setup([name]);
    const request = {
      entityRef: componentRef(name),
      targetEnvironment: 'prod',
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
    // skopeo, the independent checker: the image and its signature are in prod.
    expect(await skopeoInspectRawDigest(`${prod.host}/${name}:1.0.0`)).toBe(
      digest,
    );
    const sigTag = cosignSignatureTag(digest);
    expect(await skopeoInspectRawDigest(`${prod.host}/${name}:${sigTag}`)).toBe(
      await skopeoInspectRawDigest(`${dev.host}/${name}:${sigTag}`),
    );
    await replica.stopWorkers();
    await knex.destroy();
  });

  it('refuses an unsigned image, one signed by another key, a tampered signature and a signature for another digest', async () => {
    const names = ['unsigned', 'foreign', 'tampered', 'other'].map(
      n => `${n}-${randomUUID().slice(0, 8)}`,
    );
    const [unsigned, foreign, tampered, other] = names;
    const digests = {
      unsigned: await pushImage(unsigned),
      foreign: await pushImage(foreign, (layout, d) =>
        addCosignSignature(layout, d, stranger.privateKey),
      ),
      tampered: await pushImage(tampered, (layout, d) =>
        addCosignSignature(layout, d, release.privateKey, { tamper: true }),
      ),
      other: await pushImage(other, (layout, d) =>
        addCosignSignature(layout, d, release.privateKey, {
          payloadDigest: `sha256:${'e'.repeat(64)}`,
        }),
      ),
    };
    const { knex, replica } = await setup(names);
    const refuse = async (name: string) => {
      const failed = await refusal(
        replica.service.request(
          {
            entityRef: componentRef(name),
            targetEnvironment: 'prod',
            sourceTag: '1.0.0',
          },
          user('jane'),
        ),
      );
      expect(failed.map(g => g.gate)).toEqual(['signatures']);
      expect(failed[0].message).toContain('by release-key');
      return failed[0].message;
    };
    const unsignedMessage = await refuse(unsigned);
    expect(unsignedMessage).toContain(
      `found no cosign signature (no ${cosignSignatureTag(
        digests.unsigned,
      )} tag); no Sigstore bundle.`,
    );
    // In the environments' terms, not the registry's address.
    expect(unsignedMessage).not.toContain(dev.host);
    expect(await refuse(foreign)).toContain(
      'none of the keys verifies (signed by another key, or tampered with)',
    );
    expect(await refuse(tampered)).toContain('none of the keys verifies');
    expect(await refuse(other)).toContain(
      `a signature by release-key over a payload for sha256:${'e'.repeat(
        64,
      )}, not ${digests.other}`,
    );
    // Nothing was copied.
    await expect(
      skopeoInspectRawDigest(`${prod.host}/${unsigned}:1.0.0`),
    ).rejects.toThrow();
    await knex.destroy();
  });
});
