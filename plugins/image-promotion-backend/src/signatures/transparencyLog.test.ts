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

import { OciLayoutRepository } from '@image-promotion/plugin-image-promotion-node';
import type { TransparencyLogRequirement } from '../domain/types';
import {
  addCosignSignature,
  createOciLayout,
  type OciLayoutFixture,
} from '../__testUtils__/harness';
import {
  attachBundles,
  createTestTransparencyLog,
  dsseBundle,
  generateTestKeyPair,
  logCosignSignature,
} from '../__testUtils__/sigstoreBundles';
import { checkSignatures } from './checkSignatures';
import { verifySigstoreBundles } from './verifySigstoreBundles';

const release = generateTestKeyPair();
const keys = [{ name: 'release-key', pem: release.pem }];
const rekor = createTestTransparencyLog('rekor.test');
const otherLog = createTestTransparencyLog('rekor.test');

function requirement(threshold = 1): TransparencyLogRequirement {
  return {
    trustedRootPath: '/etc/backstage/trusted_root.json',
    trustedRoot: rekor.trustedRoot,
    threshold,
  };
}

describe('policy.signatures.transparencyLog', () => {
  let layout: OciLayoutFixture;
  let repository: OciLayoutRepository;

  beforeEach(async () => {
    layout = await createOciLayout();
    repository = new OciLayoutRepository(layout.dir);
  });

  afterEach(() => layout.cleanup());

  /** An image with the given bundles attached; returns its digest. */
  async function imageWith(bundles: (digest: string) => Buffer[]) {
    const image = await layout.addImage({ layers: 1, layerSize: 256 });
    await attachBundles(layout, image.manifest, bundles(image.digest));
    return image.digest;
  }

  const check = (digest: string, log = requirement()) =>
    verifySigstoreBundles(repository, digest, {
      keys,
      transparencyLog: log,
    });

  it('counts a bundle whose log entry verifies against the trusted root', async () => {
    const digest = await imageWith(d => [
      rekor.addEntry(dsseBundle({ subjects: [d], key: release }), release.pem),
    ]);
    expect(await check(digest)).toEqual({
      verifiedBy: ['release-key'],
      found: [],
      bundles: 1,
    });
  });

  it('refuses a bundle without an entry, with an entry from a log the root does not list, with an entry for another signature, and too few entries', async () => {
    const without = await imageWith(d => [
      dsseBundle({ subjects: [d], key: release }),
    ]);
    expect((await check(without)).found).toEqual([
      expect.stringMatching(
        /^a Sigstore bundle \(referrer sha256:[0-9a-f]{12}\) by release-key naming the digest, without the 1 transparency-log entry required \(verified against \/etc\/backstage\/trusted_root\.json\): expected 1 tlog entries, got 0$/,
      ),
    ]);

    const foreignLog = await imageWith(d => [
      otherLog.addEntry(
        dsseBundle({ subjects: [d], key: release }),
        release.pem,
      ),
    ]);
    const foreign = await check(foreignLog);
    expect(foreign.verifiedBy).toEqual([]);
    expect(foreign.found[0]).toContain('without the 1 transparency-log entry');
    expect(foreign.found[0]).toMatch(/could not be verified|invalid/);

    // The entry is genuine, but for another signature by the same key.
    const swapped = await imageWith(d => {
      const logged = JSON.parse(
        rekor
          .addEntry(
            dsseBundle({
              subjects: [d, `sha256:${'1'.repeat(64)}`],
              key: release,
            }),
            release.pem,
          )
          .toString('utf8'),
      );
      const fresh = JSON.parse(
        dsseBundle({ subjects: [d], key: release }).toString('utf8'),
      );
      fresh.verificationMaterial.tlogEntries =
        logged.verificationMaterial.tlogEntries;
      return [Buffer.from(JSON.stringify(fresh))];
    });
    const mismatch = await check(swapped);
    expect(mismatch.verifiedBy).toEqual([]);
    expect(mismatch.found[0]).toContain('tlog entry signature mismatch');

    const once = await imageWith(d => [
      rekor.addEntry(dsseBundle({ subjects: [d], key: release }), release.pem),
    ]);
    expect((await check(once, requirement(2))).found[0]).toContain(
      'without the 2 transparency-log entries required',
    );
  });

  it('counts a .sig signature whose Rekor annotation verifies against the trusted root, and says what is wrong otherwise', async () => {
    const signature = async (annotate?: typeof rekor) => {
      const image = await layout.addImage({ layers: 1, layerSize: 256 });
      const tag = await addCosignSignature(
        layout,
        image.digest,
        release.privateKey,
      );
      if (annotate) {
        await logCosignSignature(layout, tag, annotate, release.pem);
      }
      return image.digest;
    };
    const checkSig = (digest: string) =>
      checkSignatures(repository, digest, {
        keys,
        transparencyLog: requirement(),
      });

    const logged = await signature(rekor);
    expect((await checkSig(logged)).verifiedBy).toEqual(['release-key']);

    const unlogged = await signature();
    const refused = await checkSig(unlogged);
    expect(refused.verifiedBy).toEqual([]);
    expect(refused.found[0]).toBe(
      `a signature by release-key in ${unlogged.replace(
        ':',
        '-',
      )}.sig naming the digest, without the transparency-log entry required (verified against /etc/backstage/trusted_root.json): no dev.sigstore.cosign/bundle annotation (signed without the log)`,
    );
    // Without the requirement the same signature counts.
    expect(
      (await checkSignatures(repository, unlogged, { keys })).verifiedBy,
    ).toEqual(['release-key']);

    const elsewhere = await checkSig(await signature(otherLog));
    expect(elsewhere.verifiedBy).toEqual([]);
    expect(elsewhere.found[0]).toContain(
      'without the transparency-log entry required',
    );
    expect(elsewhere.found[0]).toContain(
      'inclusion promise could not be verified',
    );
  });
});
