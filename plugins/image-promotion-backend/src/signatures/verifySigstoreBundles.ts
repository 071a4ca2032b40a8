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

import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { bundleFromJSON, ValidationError, type Bundle } from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import {
  toSignedEntity,
  Verifier,
  type SignedEntity,
  type TrustMaterial,
} from '@sigstore/verify';
import {
  type Descriptor,
  type ImageRepository,
  readSmallBlob,
} from '@image-promotion/plugin-image-promotion-node';
import type { SignatureKey, TransparencyLogRequirement } from '../domain/types';
import type { SignatureFacts } from '../policy/types';
import { logProblem } from './transparencyLog';

/** What a signature gate requires: the keys, and optionally verified transparency-log entries. */
export interface SignaturePolicy {
  keys: SignatureKey[];
  transparencyLog?: TransparencyLogRequirement;
}

/**
 * The artifact type of a Sigstore bundle referrer, as cosign
 * (`--new-bundle-format`) and other Sigstore clients push it:
 * `application/vnd.dev.sigstore.bundle.v0.3+json`. Older and newer bundle
 * versions share the prefix, so the prefix is what is matched.
 */
export const SIGSTORE_BUNDLE_ARTIFACT_TYPE =
  'application/vnd.dev.sigstore.bundle.v0.3+json';
const BUNDLE_TYPE_PREFIX = 'application/vnd.dev.sigstore.bundle';

/** The DSSE payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** Bundles read per digest at most; an image with more is unusual, and each costs two requests. */
export const MAX_BUNDLES_CHECKED = 20;

/** What {@link verifySigstoreBundles} found. */
export interface BundleFacts extends SignatureFacts {
  /** How many Sigstore bundle referrers the digest has. */
  bundles: number;
}

interface BundleKey {
  name: string;
  key: KeyObject;
  /** Hints a bundle may carry for this key: base64 (cosign, sigstore-go) and hex SHA-256 of its DER. */
  hints: string[];
}

function toBundleKey(key: SignatureKey): BundleKey {
  const publicKey = createPublicKey(key.pem);
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const sha = createHash('sha256').update(der).digest();
  return {
    name: key.name,
    key: publicKey,
    hints: [sha.toString('base64'), sha.toString('hex')],
  };
}

function isBundleType(type: string | undefined): boolean {
  return Boolean(type?.startsWith(BUNDLE_TYPE_PREFIX));
}

function short(digest: string): string {
  return digest.slice(0, 'sha256:'.length + 12);
}

/**
 * Verifies with exactly one key, nothing else: key-based bundles carry no
 * certificate, and transparency-log entries and timestamps are not required
 * (and, with no log keys configured, stripped so that their presence does
 * not fail the check) — as `cosign verify --key … --insecure-ignore-tlog`.
 */
function verifiesWith(key: KeyObject, entity: SignedEntity): boolean {
  const trust: TrustMaterial = {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: () => ({ publicKey: key, validFor: () => true }),
  };
  const verifier = new Verifier(trust, {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: 0,
  });
  try {
    verifier.verify({ ...entity, tlogEntries: [], timestamps: [] });
    return true;
  } catch {
    return false;
  }
}

/** The sha256 digests an in-toto statement names as its subjects. */
function statementSubjects(payload: Buffer): string[] | undefined {
  try {
    const statement = JSON.parse(payload.toString('utf8')) as {
      _type?: unknown;
      subject?: Array<{ digest?: Record<string, unknown> }>;
    };
    if (
      typeof statement._type !== 'string' ||
      !statement._type.startsWith('https://in-toto.io/Statement/') ||
      !Array.isArray(statement.subject)
    ) {
      return undefined;
    }
    return statement.subject
      .map(s => s?.digest?.sha256)
      .filter((hex): hex is string => typeof hex === 'string')
      .map(hex => `sha256:${hex.toLowerCase()}`);
  } catch {
    return undefined;
  }
}

/** Describes why no key verified a bundle, using its key hint where it names a key. */
function unverified(bundle: Bundle, where: string, keys: BundleKey[]) {
  const material = bundle.verificationMaterial.content;
  const hint = material.$case === 'publicKey' ? material.publicKey.hint : '';
  const named = hint ? keys.find(k => k.hints.includes(hint)) : undefined;
  if (named) {
    return `a tampered Sigstore bundle ${where}: it names ${named.name} as its key, but its signature does not verify with it`;
  }
  if (hint) {
    return `a Sigstore bundle ${where} signed by another key (key hint ${hint})`;
  }
  return `a Sigstore bundle ${where} that none of the keys verifies (signed by another key, or tampered with)`;
}

/** The DER bytes of a keyless bundle's leaf certificate, if it has one. */
function leafCertificate(bundle: Bundle): Uint8Array | undefined {
  const material = bundle.verificationMaterial.content;
  switch (material.$case) {
    case 'certificate':
      return material.certificate.rawBytes;
    case 'x509CertificateChain':
      return material.x509CertificateChain.certificates[0]?.rawBytes;
    default:
      return undefined;
  }
}

/** A keyless bundle, described by the identity in its certificate. */
function keyless(bundle: Bundle, where: string): string {
  let identity = '';
  try {
    const raw = leafCertificate(bundle);
    if (raw) {
      const subject = X509Certificate.parse(Buffer.from(raw)).subjectAltName;
      if (subject) identity = ` (certificate for ${subject})`;
    }
  } catch {
    // The description only; an unreadable certificate changes nothing.
  }
  return `a keyless Sigstore bundle ${where}${identity}; this gate trusts only the configured keys`;
}

/**
 * Judges one bundle: the key that verifies it and whether its signed content
 * names `digest`, or a sentence saying what it is instead.
 */
async function judge(
  bundle: Bundle,
  where: string,
  digest: string,
  keys: BundleKey[],
  manifestBytes: () => Promise<Buffer>,
  log: TransparencyLogRequirement | undefined,
): Promise<{ verifiedBy: string } | { found: string }> {
  const logged = (signer: BundleKey, entity: SignedEntity) => {
    const problem = log && logProblem(signer.key, entity, log);
    return problem
      ? {
          found: `a Sigstore bundle ${where} by ${
            signer.name
          } naming the digest, without the ${
            log!.threshold
          } transparency-log entr${
            log!.threshold === 1 ? 'y' : 'ies'
          } required (verified against ${log!.trustedRootPath}): ${problem}`,
        }
      : { verifiedBy: signer.name };
  };
  if (bundle.verificationMaterial.content.$case !== 'publicKey') {
    return { found: keyless(bundle, where) };
  }
  if (bundle.content.$case === 'messageSignature') {
    const signed = bundle.content.messageSignature.messageDigest;
    const hex = Buffer.from(signed.digest).toString('hex');
    if (`sha256:${hex}` !== digest) {
      return {
        found: `a Sigstore bundle ${where} whose message signature is over sha256:${hex}, not the promoted digest`,
      };
    }
    // The signed message is the manifest whose digest is the promoted one.
    const entity = toSignedEntity(bundle, await manifestBytes());
    const signer = keys.find(k => verifiesWith(k.key, entity));
    return signer
      ? logged(signer, entity)
      : { found: unverified(bundle, where, keys) };
  }
  const envelope = bundle.content.dsseEnvelope;
  const entity = toSignedEntity(bundle);
  const signer = keys.find(k => verifiesWith(k.key, entity));
  if (!signer) return { found: unverified(bundle, where, keys) };
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return {
      found: `a Sigstore bundle ${where} by ${signer.name} whose payload is ${envelope.payloadType}, not an in-toto statement`,
    };
  }
  const subjects = statementSubjects(Buffer.from(envelope.payload));
  if (!subjects) {
    return {
      found: `a Sigstore bundle ${where} by ${signer.name} whose payload is not an in-toto statement with subjects`,
    };
  }
  if (!subjects.includes(digest)) {
    return {
      found: `a Sigstore bundle ${where} by ${
        signer.name
      } whose statement names ${
        subjects.length ? subjects.join(', ') : 'no sha256 digest'
      }, not the promoted digest`,
    };
  }
  return logged(signer, entity);
}

interface ReferrerManifest {
  artifactType?: string;
  config?: { mediaType?: string };
  layers?: Descriptor[];
}

/**
 * Reads the Sigstore bundles that refer to `digest` (OCI referrers API, or
 * its `sha256-<hex>` fallback tag index, through the engine's client) and
 * checks each against the keys. A key counts only when it verifies a bundle
 * whose signed content names exactly this digest: a DSSE-wrapped in-toto
 * statement with the digest among its subjects (what `cosign sign
 * --new-bundle-format` and `cosign attest` write), or a message signature
 * over the manifest with this digest. With `policy.transparencyLog`, the
 * bundle must also carry that many log entries verified against the trusted
 * root. Keyless (certificate) bundles are reported, not trusted. Registry
 * failures propagate.
 */
export async function verifySigstoreBundles(
  repository: ImageRepository,
  digest: string,
  policy: SignaturePolicy,
  signal?: AbortSignal,
): Promise<BundleFacts> {
  const loaded = policy.keys.map(toBundleKey);
  const referrers = await repository.listReferrers(digest, signal);
  // A listing may omit artifactType (older clients); a few such referrers
  // are looked at too, after those that say they are bundles.
  const candidates = [
    ...referrers.filter(r => isBundleType(r.artifactType)),
    ...referrers
      .filter(r => r.artifactType === undefined)
      .slice(0, MAX_BUNDLES_CHECKED),
  ];
  const verified = new Set<string>();
  const found: string[] = [];
  let bundles = 0;
  let manifest: Promise<Buffer> | undefined;
  const manifestBytes = () => {
    manifest ??= repository
      .getManifest(digest, signal)
      .then(fetched => fetched.bytes);
    return manifest;
  };
  for (const referrer of candidates) {
    if (bundles >= MAX_BUNDLES_CHECKED) {
      found.push(
        `only the first ${MAX_BUNDLES_CHECKED} Sigstore bundles referring to ${digest} were read; the others were not`,
      );
      break;
    }
    const where = `(referrer ${short(referrer.digest)})`;
    const fetched = await repository.getManifest(referrer.digest, signal);
    let doc: ReferrerManifest;
    try {
      doc = JSON.parse(fetched.bytes.toString('utf8')) as ReferrerManifest;
    } catch {
      continue;
    }
    const type = doc.artifactType ?? doc.config?.mediaType;
    if (!isBundleType(type)) continue;
    bundles += 1;
    const layer =
      doc.layers?.find(l => isBundleType(l.mediaType)) ?? doc.layers?.[0];
    if (!layer) {
      found.push(`a Sigstore bundle referrer ${where} with no bundle layer`);
      continue;
    }
    const bytes = await readSmallBlob(repository, layer, signal);
    let bundle: Bundle;
    try {
      bundle = bundleFromJSON(JSON.parse(bytes.toString('utf8')));
    } catch (error) {
      found.push(
        `a Sigstore bundle ${where} that is not a valid bundle (${
          error instanceof ValidationError
            ? `${error.message}: ${error.fields.join(', ')}`
            : String(error)
        })`,
      );
      continue;
    }
    const verdict = await judge(
      bundle,
      where,
      digest,
      loaded,
      manifestBytes,
      policy.transparencyLog,
    );
    if ('verifiedBy' in verdict) verified.add(verdict.verifiedBy);
    else found.push(verdict.found);
  }
  return { verifiedBy: [...verified], found, bundles };
}
