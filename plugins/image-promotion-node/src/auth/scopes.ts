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

/** Scope for pulling from a repository. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** Scope for pushing to a repository (push implies pull for HEAD checks). */
export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

/**
 * Merges scopes on the same resource (`repository:a:pull` +
 * `repository:a:push` → `repository:a:pull,push`) and sorts them, so that
 * equal scope sets give equal cache keys.
 */
export function normalizeScopes(scopes: Iterable<string>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes) {
    for (const part of scope.split(' ').filter(Boolean)) {
      const lastColon = part.lastIndexOf(':');
      if (lastColon <= 0) {
        byResource.set(part, byResource.get(part) ?? new Set());
        continue;
      }
      const resource = part.slice(0, lastColon);
      const actions = byResource.get(resource) ?? new Set<string>();
      part
        .slice(lastColon + 1)
        .split(',')
        .filter(Boolean)
        .forEach(a => actions.add(a));
      byResource.set(resource, actions);
    }
  }
  return [...byResource.entries()]
    .map(([resource, actions]) =>
      actions.size ? `${resource}:${[...actions].sort().join(',')}` : resource,
    )
    .sort();
}

/** Whether the granted scope set covers every requested scope. */
export function scopesCover(granted: string[], requested: string[]): boolean {
  const have = new Map<string, Set<string>>();
  for (const scope of normalizeScopes(granted)) {
    const i = scope.lastIndexOf(':');
    have.set(scope.slice(0, i), new Set(scope.slice(i + 1).split(',')));
  }
  return normalizeScopes(requested).every(scope => {
    const i = scope.lastIndexOf(':');
    const actions = have.get(scope.slice(0, i));
    return (
      actions !== undefined &&
      scope
        .slice(i + 1)
        .split(',')
        .every(a => actions.has(a) || actions.has('*'))
    );
  });
}
