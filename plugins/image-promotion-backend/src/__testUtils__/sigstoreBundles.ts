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
import type { Descriptor } from '@image-promotion/plugin-image-promotion-node';
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
