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

import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';

// A component's owner is written in the catalog as the author liked it:
// `team-a`, `group:team-a`, `default/team-a` or `group:default/team-a` all
// name the same group (owners default to kind group, namespace default), in
// any letter case. Filters on owner match every spelling.

const DEFAULTS = { defaultKind: 'group', defaultNamespace: 'default' };

/** An owner as a full entity ref in lower case (`Team-A` → `group:default/team-a`). */
export function normalizeOwner(owner: string): string {
  try {
    return stringifyEntityRef(
      parseEntityRef(owner, DEFAULTS),
    ).toLocaleLowerCase('en-US');
  } catch {
    return owner.toLocaleLowerCase('en-US');
  }
}

/** Every spelling, in lower case, of the owner `owner` names. */
export function ownerSpellings(owner: string): string[] {
  let ref;
  try {
    ref = parseEntityRef(owner, DEFAULTS);
  } catch {
    return [owner.toLocaleLowerCase('en-US')];
  }
  const kind = ref.kind.toLocaleLowerCase('en-US');
  const namespace = ref.namespace.toLocaleLowerCase('en-US');
  const name = ref.name.toLocaleLowerCase('en-US');
  const spellings = [`${kind}:${namespace}/${name}`];
  if (namespace === 'default') spellings.push(`${kind}:${name}`);
  if (kind === 'group') spellings.push(`${namespace}/${name}`);
  if (kind === 'group' && namespace === 'default') spellings.push(name);
  return spellings;
}

/** Whether a component's `owner` is one of `owners`, in whatever spelling either is written. */
export function ownedBy(owners: string[]): (owner: string | null) => boolean {
  const wanted = new Set(owners.map(normalizeOwner));
  return owner => owner !== null && wanted.has(normalizeOwner(owner));
}
