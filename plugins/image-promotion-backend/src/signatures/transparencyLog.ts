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

import { createHash, type KeyObject } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import {
  toSignedEntity,
  VerificationError,
  Verifier,
  type SignedEntity,
  type TrustMaterial,
} from '@sigstore/verify';
import type { TransparencyLogRequirement } from '../domain/types';
import { trustMaterialOf } from './trustedRoot';

/** The annotation cosign keeps a `.sig` signature's Rekor entry in (its "bundle", older than Sigstore bundles). */
export const COSIGN_REKOR_ANNOTATION = 'dev.sigstore.cosign/bundle';

/**
 * Verifies a signature with `key`, requiring `threshold` transparency-log
 * entries whose
 * inclusion (signed entry timestamp or checkpoint and Merkle proof) verifies
 * against the trusted root's logs and whose body is this signature. RFC 3161
 * timestamps are set aside: the key has no validity window to check them
 * against. Returns what failed, or undefined.
 */
export function logProblem(
  key: KeyObject,
  entity: SignedEntity,
  log: TransparencyLogRequirement,
): string | undefined {
  const trust: TrustMaterial = {
    ...trustMaterialOf(log.trustedRoot),
    publicKey: () => ({ publicKey: key, validFor: () => true }),
  };
  const verifier = new Verifier(trust, {
    tlogThreshold: log.threshold,
    ctlogThreshold: 0,
    timestampThreshold: 0,
  });
  try {
    verifier.verify({
      ...entity,
      timestamps: entity.timestamps.filter(t => t.$case === 'transparency-log'),
    });
    return undefined;
  } catch (error) {
    return error instanceof VerificationError ? error.message : String(error);
  }
}

interface CosignRekorBundle {
  SignedEntryTimestamp?: string;
  Payload?: {
    body?: string;
    integratedTime?: number;
    logIndex?: number;
    logID?: string;
  };
}

/**
 * Checks the Rekor entry cosign stored beside a `.sig` signature (the
 * `dev.sigstore.cosign/bundle` annotation: a signed entry timestamp over a
 * hashedrekord body) the same way as a bundle's: restated as a v0.1 Sigstore
 * bundle (message signature over the simple-signing payload, the entry with
 * its inclusion promise) and verified by {@link logProblem}. Returns what
 * failed, or undefined.
 */
export function cosignLogProblem(
  key: KeyObject,
  payload: Buffer,
  signature: Buffer,
  annotation: string | undefined,
  log: TransparencyLogRequirement,
): string | undefined {
  if (!annotation) {
    return `no ${COSIGN_REKOR_ANNOTATION} annotation (signed without the log)`;
  }
  try {
    const rekor = JSON.parse(annotation) as CosignRekorBundle;
    const entry = rekor.Payload ?? {};
    const body = JSON.parse(
      Buffer.from(entry.body ?? '', 'base64').toString('utf8'),
    ) as { kind?: string; apiVersion?: string };
    const bundle = bundleFromJSON({
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
      verificationMaterial: {
        publicKey: { hint: '' },
        tlogEntries: [
          {
            logIndex: String(entry.logIndex ?? ''),
            logId: {
              keyId: Buffer.from(entry.logID ?? '', 'hex').toString('base64'),
            },
            kindVersion: { kind: body.kind, version: body.apiVersion },
            integratedTime: String(entry.integratedTime ?? ''),
            inclusionPromise: {
              signedEntryTimestamp: rekor.SignedEntryTimestamp,
            },
            canonicalizedBody: entry.body,
          },
        ],
        timestampVerificationData: { rfc3161Timestamps: [] },
      },
      messageSignature: {
        messageDigest: {
          algorithm: 'SHA2_256',
          digest: createHash('sha256').update(payload).digest('base64'),
        },
        signature: signature.toString('base64'),
      },
    });
    return logProblem(key, toSignedEntity(bundle, payload), log);
  } catch (error) {
    return `an unreadable ${COSIGN_REKOR_ANNOTATION} annotation (${
      error instanceof Error ? error.message : String(error)
    })`;
  }
}
