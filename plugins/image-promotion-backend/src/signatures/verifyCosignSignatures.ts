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

import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import {
  type ImageRepository,
  NotFoundError,
  readSmallBlob,
} from '@image-promotion/plugin-image-promotion-node';
import type { SignatureKey, TransparencyLogRequirement } from '../domain/types';
import type { SignatureFacts } from '../policy/types';
import { COSIGN_REKOR_ANNOTATION, cosignLogProblem } from './transparencyLog';

/** The annotation cosign puts the base64 signature of a simple-signing payload in. */
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

/** cosign's tag for the signatures of a digest: `sha256-<hex>.sig`. */
export function cosignSignatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

interface LoadedKey {
  name: string;
  key: KeyObject;
}

/** Verifies `signature` over `payload` with a key of any type Node knows (ECDSA, RSA, Ed25519). */
function verifiesWith(key: KeyObject, payload: Buffer, signature: Buffer) {
  try {
    const algorithm = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return verify(algorithm, payload, key, signature);
  } catch {
    return false;
  }
}

function payloadDigest(payload: Buffer): string | undefined {
  try {
    const doc = JSON.parse(payload.toString('utf8')) as {
      critical?: { image?: { 'docker-manifest-digest'?: unknown } };
    };
    const value = doc.critical?.image?.['docker-manifest-digest'];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the cosign simple-signing signatures of `digest` (the
 * `sha256-<hex>.sig` tag: one layer per signature, the payload as the blob,
 * the signature in an annotation) and checks each against the keys. A key
 * counts only when its signature verifies over a payload that names exactly
 * this digest — and, with `transparencyLog`, whose Rekor entry (cosign's
 * `dev.sigstore.cosign/bundle` annotation) verifies against the trusted
 * root. Registry failures propagate.
 */
export async function verifyCosignSignatures(
  repository: ImageRepository,
  digest: string,
  keys: SignatureKey[],
  signal?: AbortSignal,
  transparencyLog?: TransparencyLogRequirement,
): Promise<SignatureFacts> {
  const loaded: LoadedKey[] = keys.map(k => ({
    name: k.name,
    key: createPublicKey(k.pem),
  }));
  const tag = cosignSignatureTag(digest);
  let manifest;
  try {
    manifest = await repository.getManifest(tag, signal);
  } catch (error) {
    if (error instanceof NotFoundError) {
      return {
        verifiedBy: [],
        found: [`no cosign signature (no ${tag} tag)`],
      };
    }
    throw error;
  }
  const doc = JSON.parse(manifest.bytes.toString('utf8')) as {
    layers?: Array<{
      mediaType: string;
      digest: string;
      size: number;
      annotations?: Record<string, string>;
    }>;
  };
  const verified = new Set<string>();
  const found: string[] = [];
  const layers = (doc.layers ?? []).filter(
    l => l.annotations?.[COSIGN_SIGNATURE_ANNOTATION],
  );
  if (layers.length === 0) {
    found.push(`${tag} holds no cosign signature`);
  }
  for (const layer of layers) {
    const payload = await readSmallBlob(repository, layer, signal);
    const signature = Buffer.from(
      layer.annotations![COSIGN_SIGNATURE_ANNOTATION],
      'base64',
    );
    const signer = loaded.find(k => verifiesWith(k.key, payload, signature));
    const named = payloadDigest(payload);
    if (!signer) {
      found.push(
        `a signature in ${tag} that none of the keys verifies (signed by another key, or tampered with)`,
      );
    } else if (named !== digest) {
      found.push(
        `a signature by ${signer.name} over a payload for ${
          named ?? 'no digest'
        }, not ${digest}`,
      );
    } else {
      const problem =
        transparencyLog &&
        cosignLogProblem(
          signer.key,
          payload,
          signature,
          layer.annotations?.[COSIGN_REKOR_ANNOTATION],
          transparencyLog,
        );
      if (problem) {
        found.push(
          `a signature by ${signer.name} in ${tag} naming the digest, without the transparency-log entry required (verified against ${transparencyLog.trustedRootPath}): ${problem}`,
        );
      } else {
        verified.add(signer.name);
      }
    }
  }
  return { verifiedBy: [...verified], found };
}
