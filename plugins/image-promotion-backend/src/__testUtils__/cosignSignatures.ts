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

import { randomUUID, sign, type KeyObject } from 'node:crypto';
import { cosignSignatureTag } from '../signatures/verifyCosignSignatures';
import { MEDIA_TYPES, type OciLayoutFixture } from './harness';

/** The simple-signing payload cosign signs for an image. */
export function simpleSigning(digest: string, reference: string): Buffer {
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

/**
 * Writes a cosign signature the way `cosign sign --key` stores it: the
 * payload as the one layer of an image manifest tagged `sha256-<hex>.sig`,
 * its base64 ECDSA signature in the `dev.cosignproject.cosign/signature`
 * annotation. `tamper` changes the payload after signing.
 */
export async function addCosignSignature(
  layout: OciLayoutFixture,
  subjectDigest: string,
  privateKey: KeyObject,
  options: { payloadDigest?: string; tamper?: boolean } = {},
) {
  let payload = simpleSigning(
    options.payloadDigest ?? subjectDigest,
    'registry.test/checkout',
  );
  const signature = sign('sha256', payload, privateKey).toString('base64');
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
  const tag = cosignSignatureTag(subjectDigest);
  await layout.tag(tag, manifest);
  return tag;
}
