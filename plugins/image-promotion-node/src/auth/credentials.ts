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

/**
 * Credentials for one registry host.
 * - `username`/`password`: Basic auth, or Basic towards the token service.
 * - `identityToken`: an OAuth2 refresh token (what `docker login` stores for
 *   some registries, and what ACR's `az acr login --expose-token` style flows
 *   give); exchanged at the token realm with `grant_type=refresh_token`.
 * - `registryToken`: a ready bearer token sent as is (e.g. GAR's
 *   `gcloud auth print-access-token` used as a registry token).
 */
export type RegistryCredential =
  | { username: string; password: string }
  | { identityToken: string }
  | { registryToken: string };

/**
 * Where credentials come from. Implementations must answer for the host
 * exactly as given (`host[:port]`, `docker.io` for Docker Hub) and return
 * undefined for hosts they know nothing about; the engine only ever sends the
 * result to that host (or to the token service that host designates).
 *
 * Cloud registries plug in here: an ECR provider calls
 * `GetAuthorizationToken` and returns `{ username: 'AWS', password }`; a GAR
 * provider returns `{ username: 'oauth2accesstoken', password: <access token> }`;
 * an ACR provider returns `{ identityToken: <AAD refresh token> }` or
 * `{ username: '00000000-0000-0000-0000-000000000000', password: <token> }`.
 * Providers should cache their own short-lived tokens (see `auth/cloud/`).
 */
export interface CredentialProvider {
  /** Credentials for `host[:port]`, or undefined to go anonymous. */
  getCredentials(host: string): Promise<RegistryCredential | undefined>;
  /**
   * The registry (or its token service) refused what {@link getCredentials}
   * returned for `host`: drop any cached token so the next call fetches a
   * fresh one. Providers whose credentials do not expire leave it out.
   */
  invalidate?(host: string): void;
}

const DOCKER_HUB_ALIASES = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/**
 * Canonical form of a registry host for credential lookup: lower case, no
 * scheme or path, every Docker Hub alias folded into `docker.io`.
 */
export function normalizeRegistryHost(value: string): string {
  let host = value.trim().toLowerCase();
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  host = host.split('/')[0];
  return DOCKER_HUB_ALIASES.has(host) ? 'docker.io' : host;
}

/** Credentials from a fixed map of host → credential (tests, config-file driven setups). */
export class StaticCredentialProvider implements CredentialProvider {
  private readonly credentials = new Map<string, RegistryCredential>();

  constructor(credentials: Record<string, RegistryCredential>) {
    for (const [host, credential] of Object.entries(credentials)) {
      this.credentials.set(normalizeRegistryHost(host), credential);
    }
  }

  async getCredentials(host: string): Promise<RegistryCredential | undefined> {
    return this.credentials.get(normalizeRegistryHost(host));
  }
}

/** Asks several providers in order; the first that knows the host wins. */
export class ChainCredentialProvider implements CredentialProvider {
  constructor(private readonly providers: CredentialProvider[]) {}

  async getCredentials(host: string): Promise<RegistryCredential | undefined> {
    for (const provider of this.providers) {
      const credential = await provider.getCredentials(host);
      if (credential) return credential;
    }
    return undefined;
  }

  invalidate(host: string): void {
    for (const provider of this.providers) provider.invalidate?.(host);
  }
}
