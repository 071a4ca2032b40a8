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

import {
  generateKeyPairSync,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto';
import { digestTag, type OciLayoutFixture } from './fixtures';
import { MEDIA_TYPES } from './mediaTypes';

/** A key pair to sign test images with. */
export interface CosignKeyPair {
  /** The public key as PEM (SPKI), what `cosign.pub` holds. */
  publicKeyPem: string;
  privateKey: KeyObject;
}

/** Generates an ECDSA P-256 key pair, the kind `cosign generate-key-pair` makes. */
export function generateCosignKeyPair(): CosignKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
  });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey,
  };
}

/** The simple-signing payload cosign signs for an image. */
export function simpleSigningPayload(
  digest: string,
  reference: string,
): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': reference },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: { nonce: randomUUID() },
    }),
  );
}

/** Options of {@link addCosignSignature}. */
export interface CosignSignatureOptions {
  /** The digest the payload names (default: the subject's); another one makes a signature for the wrong image. */
  payloadDigest?: string;
  /** Changes the payload after signing, so the signature no longer verifies. */
  tamper?: boolean;
  /** `docker-reference` of the payload (default `registry.test/checkout`). */
  reference?: string;
}

/**
 * Writes a cosign signature into a layout the way `cosign sign --key` stores
 * it: the simple-signing payload as the one layer of an image manifest
 * tagged `sha256-<hex>.sig`, its base64 signature in the
 * `dev.cosignproject.cosign/signature` annotation.
 *
 * @returns the signature tag
 */
export async function addCosignSignature(
  layout: OciLayoutFixture,
  subjectDigest: string,
  privateKey: KeyObject,
  options: CosignSignatureOptions = {},
): Promise<string> {
  let payload = simpleSigningPayload(
    options.payloadDigest ?? subjectDigest,
    options.reference ?? 'registry.test/checkout',
  );
  const algorithm =
    privateKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  const signature = sign(algorithm, payload, privateKey).toString('base64');
  if (options.tamper) {
    payload = Buffer.from(
      payload.toString().replace('"nonce":"', '"nonce":"x'),
    );
  }
  const payloadDescriptor = await layout.writeBlob(
    payload,
    MEDIA_TYPES.cosignSimpleSigning,
  );
  const config = await layout.writeBlob(
    JSON.stringify({
      architecture: '',
      os: '',
      config: {},
      rootfs: { type: 'layers', diff_ids: [payloadDescriptor.digest] },
    }),
    MEDIA_TYPES.config,
  );
  const manifest = await layout.writeBlob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.manifest,
      config,
      layers: [
        {
          ...payloadDescriptor,
          annotations: { 'dev.cosignproject.cosign/signature': signature },
        },
      ],
    }),
    MEDIA_TYPES.manifest,
  );
  const tag = `${digestTag(subjectDigest)}.sig`;
  await layout.tag(tag, manifest);
  return tag;
}
