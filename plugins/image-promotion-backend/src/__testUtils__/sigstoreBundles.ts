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

/*
 * Sigstore bundles for tests, built by hand with Node's crypto (not with the
 * Sigstore libraries the gate verifies with, so a shared misreading of the
 * format cannot make both sides agree): the protobuf-specs JSON of a v0.3
 * bundle with a public-key hint, a DSSE envelope over an in-toto statement or
 * a message signature, and the OCI referrer layout cosign uses to attach it.
 */

import {
  createHash,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import {
  type Descriptor,
  OciLayoutRepository,
} from '@image-promotion/plugin-image-promotion-node';
import { digestTag, MEDIA_TYPES, type OciLayoutFixture } from './harness';

export const BUNDLE_MEDIA_TYPE =
  'application/vnd.dev.sigstore.bundle.v0.3+json';
const IN_TOTO = 'application/vnd.in-toto+json';

/** A P-256 key pair: the PEM public key for config, the private key to sign with. */
export interface TestKeyPair {
  pem: string;
  privateKey: KeyObject;
  /** The hint cosign and sigstore-go put in a bundle: base64 SHA-256 of the DER public key. */
  hint: string;
}

/** Generates an ECDSA P-256 key pair, as `cosign generate-key-pair` does. */
export function generateTestKeyPair(): TestKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
  });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey,
    hint: createHash('sha256').update(der).digest('base64'),
  };
}

/** DSSE's pre-authentication encoding, the bytes a DSSE signature covers. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `),
    type,
    Buffer.from(` ${payload.length} `),
    payload,
  ]);
}

function verificationMaterial(hint: string) {
  return {
    publicKey: { hint },
    tlogEntries: [],
    timestampVerificationData: { rfc3161Timestamps: [] },
  };
}

/** Options of {@link dsseBundle}. */
export interface DsseBundleOptions {
  /** The digests the statement names as subjects. */
  subjects: string[];
  key: TestKeyPair;
  /** Default: the cosign signing predicate. */
  predicateType?: string;
  /** The key hint to record; default the key's own, '' for none. */
  hint?: string;
  /** Change the payload after signing. */
  tamper?: boolean;
}

/**
 * A bundle as `cosign sign --new-bundle-format --key` writes it: a DSSE
 * envelope (ECDSA over the PAE) around an in-toto v1 statement naming the
 * subjects.
 */
export function dsseBundle(options: DsseBundleOptions): Buffer {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: options.subjects.map(d => ({
      name: 'registry.test/checkout',
      digest: { sha256: d.replace(/^sha256:/, '') },
    })),
    predicateType:
      options.predicateType ?? 'https://sigstore.dev/cosign/sign/v1',
    predicate: {},
  };
  let payload = Buffer.from(JSON.stringify(statement));
  const signature = sign(
    'sha256',
    preAuthEncoding(IN_TOTO, payload),
    options.key.privateKey,
  );
  if (options.tamper) {
    payload = Buffer.from(
      JSON.stringify({ ...statement, predicate: { tampered: true } }),
    );
  }
  return Buffer.from(
    JSON.stringify({
      mediaType: BUNDLE_MEDIA_TYPE,
      verificationMaterial: verificationMaterial(
        options.hint ?? options.key.hint,
      ),
      dsseEnvelope: {
        payload: payload.toString('base64'),
        payloadType: IN_TOTO,
        signatures: [{ sig: signature.toString('base64'), keyid: '' }],
      },
    }),
  );
}

/** A message-signature bundle over `message` (an image manifest), as `cosign sign-blob --new-bundle-format` writes. */
export function messageSignatureBundle(
  message: Buffer,
  key: TestKeyPair,
): Buffer {
  return Buffer.from(
    JSON.stringify({
      mediaType: BUNDLE_MEDIA_TYPE,
      verificationMaterial: verificationMaterial(key.hint),
      messageSignature: {
        messageDigest: {
          algorithm: 'SHA2_256',
          digest: createHash('sha256').update(message).digest('base64'),
        },
        signature: sign('sha256', message, key.privateKey).toString('base64'),
      },
    }),
  );
}

/** What {@link attachBundles} wrote to the layout. */
export interface AttachedBundles {
  /** The referrer manifests, one per bundle. */
  referrers: Descriptor[];
  /** The `sha256-<hex>` fallback tag and the index it holds. */
  indexTag: string;
  index: Descriptor;
}

/**
 * Attaches bundles to `subject` the way cosign does on a registry without
 * the referrers API: per bundle an OCI manifest with the bundle artifact
 * type, the empty config, the bundle as its one layer and `subject`; and the
 * `sha256-<hex>` tag holding an index that lists them (push it with pushRaw).
 */
export async function attachBundles(
  layout: OciLayoutFixture,
  subject: Descriptor,
  bundles: Buffer[],
): Promise<AttachedBundles> {
  const empty = await layout.writeBlob('{}', MEDIA_TYPES.empty);
  const referrers: Descriptor[] = [];
  for (const bundle of bundles) {
    const layer = await layout.writeBlob(bundle, BUNDLE_MEDIA_TYPE);
    const manifest = await layout.writeBlob(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.manifest,
        artifactType: BUNDLE_MEDIA_TYPE,
        config: empty,
        layers: [
          {
            ...layer,
            annotations: {
              'org.opencontainers.image.title': `${digestTag(
                layer.digest,
              )}.sigstore.json`,
            },
          },
        ],
        subject: {
          mediaType: subject.mediaType,
          digest: subject.digest,
          size: subject.size,
        },
        annotations: {
          'dev.sigstore.bundle.content':
            'dsseEnvelope' in JSON.parse(bundle.toString('utf8'))
              ? 'dsse-envelope'
              : 'message-signature',
        },
      }),
      MEDIA_TYPES.manifest,
    );
    referrers.push({ ...manifest, artifactType: BUNDLE_MEDIA_TYPE });
  }
  const index = await layout.writeBlob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.index,
      manifests: referrers,
    }),
    MEDIA_TYPES.index,
  );
  const indexTag = digestTag(subject.digest);
  await layout.tag(indexTag, index);
  return { referrers, indexTag, index };
}

/** A transparency log that exists only in the test: its trusted root, and entries it signs. */
export interface TestTransparencyLog {
  /** A Sigstore trusted root (protobuf-specs JSON) naming this log and its key. */
  trustedRoot: Record<string, unknown>;
  /**
   * Returns `bundle` (a DSSE bundle JSON) with one more entry for its
   * signature: a Rekor v1 `dsse` 0.0.1 body, a signed entry timestamp, and a
   * one-leaf Merkle inclusion proof with a signed checkpoint. `signer` is the
   * PEM of the key that signed the envelope, as Rekor records it.
   */
  addEntry(bundle: Buffer, signerPem: string): Buffer;
  /**
   * The `dev.sigstore.cosign/bundle` annotation cosign writes beside a
   * `.sig` signature uploaded to the log: a signed entry timestamp over a
   * Rekor v1 `hashedrekord` 0.0.1 body for this payload and signature.
   */
  cosignAnnotation(
    payload: Buffer,
    signatureBase64: string,
    signerPem: string,
  ): string;
}

const sha256 = (...parts: Buffer[]) => {
  const hash = createHash('sha256');
  parts.forEach(p => hash.update(p));
  return hash.digest();
};

/** Creates a {@link TestTransparencyLog} with a fresh P-256 key, named `origin`. */
export function createTestTransparencyLog(
  origin = 'rekor.test',
): TestTransparencyLog {
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
  });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const logId = sha256(der);
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: `https://${origin}`,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: der.toString('base64'),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor: { start: '2020-01-01T00:00:00Z' },
        },
        logId: { keyId: logId.toString('base64') },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
  const promise = (body: Buffer, integratedTime: number) =>
    sign(
      'sha256',
      Buffer.from(
        JSON.stringify({
          body: body.toString('base64'),
          integratedTime,
          logID: logId.toString('hex'),
          logIndex: 0,
        }),
      ),
      privateKey,
    );
  return {
    trustedRoot,
    cosignAnnotation(payload, signatureBase64, signerPem) {
      const body = Buffer.from(
        JSON.stringify({
          apiVersion: '0.0.1',
          kind: 'hashedrekord',
          spec: {
            data: {
              hash: {
                algorithm: 'sha256',
                value: sha256(payload).toString('hex'),
              },
            },
            signature: {
              content: signatureBase64,
              publicKey: { content: Buffer.from(signerPem).toString('base64') },
            },
          },
        }),
      );
      const integratedTime = Math.floor(Date.now() / 1000);
      return JSON.stringify({
        SignedEntryTimestamp: promise(body, integratedTime).toString('base64'),
        Payload: {
          body: body.toString('base64'),
          integratedTime,
          logIndex: 0,
          logID: logId.toString('hex'),
        },
      });
    },
    addEntry(bundle, signerPem) {
      const json = JSON.parse(bundle.toString('utf8'));
      const envelope = json.dsseEnvelope;
      const payload = Buffer.from(envelope.payload, 'base64');
      // Keys in canonical (sorted) order, as Rekor stores the body.
      const body = Buffer.from(
        JSON.stringify({
          apiVersion: '0.0.1',
          kind: 'dsse',
          spec: {
            envelopeHash: {
              algorithm: 'sha256',
              value: sha256(Buffer.from(JSON.stringify(envelope))).toString(
                'hex',
              ),
            },
            payloadHash: {
              algorithm: 'sha256',
              value: sha256(payload).toString('hex'),
            },
            signatures: [
              {
                signature: envelope.signatures[0].sig,
                verifier: Buffer.from(signerPem).toString('base64'),
              },
            ],
          },
        }),
      );
      const integratedTime = Math.floor(Date.now() / 1000);
      const inclusionPromise = promise(body, integratedTime);
      const root = sha256(Buffer.from([0]), body);
      const note = `${origin}\n1\n${root.toString('base64')}\n`;
      const noteSignature = Buffer.concat([
        logId.subarray(0, 4),
        sign('sha256', Buffer.from(note), privateKey),
      ]);
      json.verificationMaterial.tlogEntries.push({
        logIndex: '0',
        logId: { keyId: logId.toString('base64') },
        kindVersion: { kind: 'dsse', version: '0.0.1' },
        integratedTime: String(integratedTime),
        inclusionPromise: {
          signedEntryTimestamp: inclusionPromise.toString('base64'),
        },
        inclusionProof: {
          logIndex: '0',
          rootHash: root.toString('base64'),
          treeSize: '1',
          hashes: [],
          checkpoint: {
            envelope: `${note}\n\u2014 ${origin} ${noteSignature.toString(
              'base64',
            )}\n`,
          },
        },
        canonicalizedBody: body.toString('base64'),
      });
      return Buffer.from(JSON.stringify(json));
    },
  };
}

/**
 * Adds the log's entry to the cosign signature under `tag` in the layout (as
 * `cosign sign --key` does when it uploads to Rekor): the `.sig` manifest is
 * rewritten with the `dev.sigstore.cosign/bundle` annotation on its layer and
 * retagged.
 */
export async function logCosignSignature(
  layout: OciLayoutFixture,
  tag: string,
  log: TestTransparencyLog,
  signerPem: string,
): Promise<void> {
  const repository = new OciLayoutRepository(layout.dir);
  const { bytes } = await repository.getManifest(tag);
  const manifest = JSON.parse(bytes.toString('utf8')) as {
    layers: Array<Descriptor & { annotations: Record<string, string> }>;
  };
  for (const layer of manifest.layers) {
    layer.annotations['dev.sigstore.cosign/bundle'] = log.cosignAnnotation(
      await layout.readBlob(layer.digest),
      layer.annotations['dev.cosignproject.cosign/signature'],
      signerPem,
    );
  }
  const descriptor = await layout.writeBlob(
    JSON.stringify(manifest),
    MEDIA_TYPES.manifest,
  );
  await layout.tag(tag, descriptor);
}
