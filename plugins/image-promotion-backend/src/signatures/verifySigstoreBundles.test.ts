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

import { execFile } from 'node:child_process';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  type ImageRepository,
  OciLayoutRepository,
} from '@image-promotion/plugin-image-promotion-node';
import {
  addCosignSignature,
  createOciLayout,
  type ImageFixture,
  type OciLayoutFixture,
} from '../__testUtils__/harness';
import {
  attachBundles,
  BUNDLE_MEDIA_TYPE,
  dsseBundle,
  generateTestKeyPair,
  preAuthEncoding,
} from '../__testUtils__/sigstoreBundles';
import { checkSignatures } from './checkSignatures';
import {
  MAX_BUNDLES_CHECKED,
  verifySigstoreBundles,
} from './verifySigstoreBundles';

const release = generateTestKeyPair();
const build = generateTestKeyPair();
const stranger = generateTestKeyPair();
const keys = [{ name: 'release-key', pem: release.pem }];

describe('verifySigstoreBundles (OCI layout)', () => {
  let layout: OciLayoutFixture;
  let repository: OciLayoutRepository;

  beforeEach(async () => {
    layout = await createOciLayout();
    repository = new OciLayoutRepository(layout.dir);
  });

  afterEach(() => layout.cleanup());

  const image = (): Promise<ImageFixture> =>
    layout.addImage({ tag: '1.0.0', layers: 1, layerSize: 512 });

  it('verifies by key alone a bundle that also carries a transparency-log entry it cannot check here', async () => {
    const { digest, manifest } = await image();
    const bundle = JSON.parse(
      dsseBundle({ subjects: [digest], key: release }).toString('utf8'),
    );
    // What cosign adds when it uploads to Rekor: an entry whose inclusion
    // proof and promise only the log's key could check.
    bundle.verificationMaterial.tlogEntries = [
      {
        logIndex: '42',
        logId: { keyId: randomBytes(32).toString('base64') },
        kindVersion: { kind: 'dsse', version: '0.0.1' },
        integratedTime: '1764547200',
        inclusionPromise: {
          signedEntryTimestamp: randomBytes(70).toString('base64'),
        },
        inclusionProof: {
          logIndex: '42',
          rootHash: randomBytes(32).toString('base64'),
          treeSize: '43',
          hashes: [randomBytes(32).toString('base64')],
          checkpoint: { envelope: 'rekor.example - 1\n43\nAAAA\n\n' },
        },
        canonicalizedBody: Buffer.from('{}').toString('base64'),
      },
    ];
    await attachBundles(layout, manifest, [
      Buffer.from(JSON.stringify(bundle)),
    ]);
    expect(await verifySigstoreBundles(repository, digest, { keys })).toEqual({
      verifiedBy: ['release-key'],
      found: [],
      bundles: 1,
    });
    // The key still decides: the same bundle checked against another key fails.
    const other = await verifySigstoreBundles(repository, digest, {
      keys: [{ name: 'other', pem: stranger.pem }],
    });
    expect(other.verifiedBy).toEqual([]);
    expect(other.found[0]).toMatch(/signed by another key \(key hint /);
  });

  it('reads a bundle as Go clients serialise it: empty fields omitted', async () => {
    const { digest, manifest } = await image();
    // protojson (cosign, sigstore-go) leaves out empty lists and empty
    // strings: no tlogEntries, no timestampVerificationData, no keyid.
    const bundle = JSON.parse(
      dsseBundle({ subjects: [digest], key: release }).toString('utf8'),
    );
    delete bundle.verificationMaterial.tlogEntries;
    delete bundle.verificationMaterial.timestampVerificationData;
    delete bundle.dsseEnvelope.signatures[0].keyid;
    await attachBundles(layout, manifest, [
      Buffer.from(JSON.stringify(bundle)),
    ]);
    expect(
      (await verifySigstoreBundles(repository, digest, { keys })).verifiedBy,
    ).toEqual(['release-key']);
  });

  it('says when a bundle is not a bundle, and ignores referrers of other types', async () => {
    const { digest, manifest } = await image();
    const attached = await attachBundles(layout, manifest, [
      Buffer.from(JSON.stringify({ mediaType: BUNDLE_MEDIA_TYPE })),
    ]);
    const facts = await verifySigstoreBundles(repository, digest, { keys });
    expect(facts.verifiedBy).toEqual([]);
    expect(facts.bundles).toBe(1);
    expect(facts.found).toEqual([
      `a Sigstore bundle (referrer ${attached.referrers[0].digest.slice(
        0,
        19,
      )}) that is not a valid bundle (invalid bundle: content, verificationMaterial)`,
    ]);

    const plain = await image();
    await layout.addSignature(plain.manifest); // a cosign artefact referrer, not a bundle
    expect(
      await verifySigstoreBundles(repository, plain.digest, { keys }),
    ).toEqual({ verifiedBy: [], found: [], bundles: 0 });
  });

  it('reads a bounded number of bundles, and says so', async () => {
    const { digest, manifest } = await image();
    const foreign = Array.from({ length: MAX_BUNDLES_CHECKED }, () =>
      dsseBundle({ subjects: [digest], key: stranger }),
    );
    await attachBundles(layout, manifest, [
      ...foreign,
      dsseBundle({ subjects: [digest], key: release }),
    ]);
    const facts = await verifySigstoreBundles(repository, digest, { keys });
    expect(facts.verifiedBy).toEqual([]);
    expect(facts.bundles).toBe(MAX_BUNDLES_CHECKED);
    expect(facts.found).toHaveLength(MAX_BUNDLES_CHECKED + 1);
    expect(facts.found[MAX_BUNDLES_CHECKED]).toBe(
      `only the first ${MAX_BUNDLES_CHECKED} Sigstore bundles referring to ${digest} were read; the others were not`,
    );
  });

  it('reports a keyless bundle by the identity in its certificate, and does not trust it', async () => {
    const { digest, manifest } = await image();
    const dir = layout.dir;
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'leaf.key'),
      '-out',
      join(dir, 'leaf.pem'),
      '-subj',
      '/CN=builder',
      '-addext',
      'subjectAltName=email:builder@example.com',
      '-days',
      '1',
    ]);
    const certificate = (await readFile(join(dir, 'leaf.pem'), 'utf8'))
      .replace(/-----[^-]+-----/g, '')
      .replace(/\s+/g, '');
    const privateKey = createPrivateKey(
      await readFile(join(dir, 'leaf.key'), 'utf8'),
    );
    const payload = Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ digest: { sha256: digest.slice(7) } }],
        predicateType: 'https://sigstore.dev/cosign/sign/v1',
        predicate: {},
      }),
    );
    const bundle = {
      mediaType: BUNDLE_MEDIA_TYPE,
      verificationMaterial: {
        certificate: { rawBytes: certificate },
        tlogEntries: [],
        timestampVerificationData: { rfc3161Timestamps: [] },
      },
      dsseEnvelope: {
        payload: payload.toString('base64'),
        payloadType: 'application/vnd.in-toto+json',
        signatures: [
          {
            sig: sign(
              'sha256',
              preAuthEncoding('application/vnd.in-toto+json', payload),
              privateKey,
            ).toString('base64'),
            keyid: '',
          },
        ],
      },
    };
    await attachBundles(layout, manifest, [
      Buffer.from(JSON.stringify(bundle)),
    ]);
    const facts = await verifySigstoreBundles(repository, digest, { keys });
    expect(facts.verifiedBy).toEqual([]);
    expect(facts.found).toHaveLength(1);
    expect(facts.found[0]).toMatch(
      /^a keyless Sigstore bundle \(referrer sha256:[0-9a-f]{12}\) \(certificate for .*builder@example\.com.*\); this gate trusts only the configured keys$/,
    );
  });
});

describe('checkSignatures', () => {
  let layout: OciLayoutFixture;

  beforeEach(async () => {
    layout = await createOciLayout();
  });

  afterEach(() => layout.cleanup());

  const twoKeys = [
    { name: 'release-key', pem: release.pem },
    { name: 'build-key', pem: build.pem },
  ];

  it('counts a key whose .sig signature names the digest and another whose bundle does', async () => {
    const { digest, manifest } = await layout.addImage({ tag: '1.0.0' });
    await addCosignSignature(layout, digest, release.privateKey);
    await attachBundles(layout, manifest, [
      dsseBundle({ subjects: [digest], key: build }),
    ]);
    const facts = await checkSignatures(
      new OciLayoutRepository(layout.dir),
      digest,
      { keys: twoKeys },
    );
    expect(facts.verifiedBy).toEqual(['release-key', 'build-key']);
  });

  it('says that neither form is there', async () => {
    const { digest } = await layout.addImage({ tag: '1.0.0' });
    const repository = new OciLayoutRepository(layout.dir);
    const facts = await checkSignatures(repository, digest, { keys });
    expect(facts).toEqual({
      verifiedBy: [],
      found: [
        `no cosign signature (no ${digest.replace(':', '-')}.sig tag)`,
        'no Sigstore bundle',
      ],
    });
  });

  it('lets a registry failure reading bundles pass only when the .sig signatures already cover every key', async () => {
    const { digest } = await layout.addImage({ tag: '1.0.0' });
    await addCosignSignature(layout, digest, release.privateKey);
    const inner = new OciLayoutRepository(layout.dir);
    const failing: ImageRepository = Object.assign(
      Object.create(inner) as OciLayoutRepository,
      {
        listReferrers: async () => {
          throw new Error('referrers unavailable');
        },
      },
    );
    expect(
      (await checkSignatures(failing, digest, { keys })).verifiedBy,
    ).toEqual(['release-key']);
    await expect(
      checkSignatures(failing, digest, { keys: twoKeys }),
    ).rejects.toThrow('referrers unavailable');
  });
});
