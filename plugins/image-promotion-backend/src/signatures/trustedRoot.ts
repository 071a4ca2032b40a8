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

import { TrustedRoot } from '@sigstore/protobuf-specs';
import {
  toTrustMaterial,
  type KeyFinderFunc,
  type TrustMaterial,
} from '@sigstore/verify';

const NO_KEY: KeyFinderFunc = hint => {
  throw new Error(`no key for hint ${hint}`);
};

/**
 * Reads a Sigstore trusted root (`trusted_root.json`, as `cosign
 * trusted-root create` writes it or Sigstore's TUF repository serves it) and
 * checks that it names at least one transparency log whose key can be
 * loaded. Throws an Error whose message says what is wrong.
 */
export function checkTrustedRoot(json: unknown): void {
  const root = TrustedRoot.fromJSON(json);
  if (root.tlogs.length === 0) {
    throw new Error('lists no transparency log ("tlogs" is empty)');
  }
  if (root.tlogs.some(t => !t.publicKey?.rawBytes?.length)) {
    throw new Error('has a transparency log without a public key');
  }
  toTrustMaterial(root, NO_KEY);
}

const cache = new WeakMap<object, TrustMaterial>();

/** The trust material of a checked trusted root (parsed once per config object). */
export function trustMaterialOf(json: unknown): TrustMaterial {
  const key = json as object;
  let material = cache.get(key);
  if (!material) {
    material = toTrustMaterial(TrustedRoot.fromJSON(json), NO_KEY);
    cache.set(key, material);
  }
  return material;
}
