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

import { createHash } from 'node:crypto';
import { AuthenticationError, RegistryError } from '../errors';
import {
  readBody,
  redact,
  type HttpTransport,
} from '../transport/HttpTransport';
import type { CredentialProvider, RegistryCredential } from './credentials';
import { normalizeScopes, scopesCover } from './scopes';
import { parseWwwAuthenticate, type AuthChallenge } from './wwwAuthenticate';

/** Which host we talk to, and which host's credentials apply (they differ for Docker Hub). */
export interface AuthTarget {
  /** Host the API requests go to, e.g. `registry-1.docker.io`. */
  apiHost: string;
  /** Host credentials are looked up for, e.g. `docker.io`. */
  credentialHost: string;
  /**
   * Path the registry API lives under (`/artifactory/api/docker/<repo>`), or
   * undefined for `/v2/` at the root. Each prefix is its own registry: its
   * own challenge and tokens, even on a shared host.
   */
  pathPrefix?: string;
}

/** Key of a registry's challenge and tokens: the API host plus any path prefix. */
export function authKey(target: AuthTarget): string {
  return target.pathPrefix
    ? `${target.apiHost}${target.pathPrefix}`
    : target.apiHost;
}

interface CachedToken {
  token: string;
  scopes: string[];
  expiresAt: number;
}

/** Tokens are dropped this long before they expire, so none expires mid-request. */
const EXPIRY_MARGIN_MS = 10_000;
/** The distribution token spec says: assume 60 s when the server does not say. */
const DEFAULT_TOKEN_LIFETIME_S = 60;
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
const CLIENT_ID = 'image-promotion';
/** Rejected credentials remembered, so concurrent 401s renew a provider's token once. */
const MAX_REMEMBERED_RENEWALS = 64;

function basic(credential: { username: string; password: string }): string {
  return `Basic ${Buffer.from(
    `${credential.username}:${credential.password}`,
  ).toString('base64')}`;
}

/**
 * Turns challenges and credentials into Authorization headers: anonymous,
 * Basic, or Bearer tokens exchanged at the realm and cached per (host, scope
 * set) until they expire. Shared by every repository of a client so a copy
 * fetches each token once.
 */
export class Authenticator {
  /** Challenge per API host; null once we know the host needs no auth. */
  private readonly challenges = new Map<string, AuthChallenge | null>();
  private readonly tokens = new Map<string, CachedToken[]>();
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  /**
   * Renewed credentials by (host, rejected credential): a burst of parallel
   * requests that all get a 401 for the same expired cloud token ask the
   * provider for a new one once, not once each.
   */
  private readonly renewals = new Map<
    string,
    Promise<RegistryCredential | undefined>
  >();

  constructor(
    private readonly transport: HttpTransport,
    private readonly credentials?: CredentialProvider,
  ) {}

  /** Records what a 401 told us about a registry ({@link authKey}); a missing header means no auth is needed. */
  learn(
    key: string,
    wwwAuthenticate: string | string[] | undefined,
  ): AuthChallenge | null {
    const parsed = parseWwwAuthenticate(wwwAuthenticate);
    const challenge =
      parsed.find(c => c.scheme === 'bearer' && c.params.realm) ??
      parsed.find(c => c.scheme === 'basic') ??
      null;
    this.challenges.set(key, challenge);
    return challenge;
  }

  /** The Authorization header for a request needing `scopes`, or undefined for anonymous. */
  async authorization(
    target: AuthTarget,
    scopes: string[],
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const challenge = this.challenges.get(authKey(target));
    if (!challenge) return undefined;
    const credential = await this.credentials?.getCredentials(
      target.credentialHost,
    );
    if (challenge.scheme === 'basic') {
      return credential && 'username' in credential
        ? basic(credential)
        : undefined;
    }
    if (credential && 'registryToken' in credential) {
      return `Bearer ${credential.registryToken}`;
    }
    const wanted = normalizeScopes(scopes);
    const cached = this.cachedToken(authKey(target), wanted);
    if (cached) return `Bearer ${cached.token}`;
    const token = await this.fetchTokenOnce(
      target,
      challenge,
      wanted,
      credential,
      signal,
    );
    return `Bearer ${token.token}`;
  }

  /**
   * Handles a 401: learns the new challenge and returns a fresh header to
   * retry with, or undefined when a retry cannot do better than `previous`.
   * An `insufficient_scope` error adds the scope the registry asked for.
   */
  async refresh(
    target: AuthTarget,
    wwwAuthenticate: string | string[] | undefined,
    scopes: string[],
    previous: string | undefined,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const challenge = this.learn(authKey(target), wwwAuthenticate);
    if (!challenge) return undefined;
    let credential = await this.credentials?.getCredentials(
      target.credentialHost,
    );
    // The registry itself refused what the provider gave (Basic, or a ready
    // bearer token): a cloud token may have expired or been revoked early.
    if (
      previous !== undefined &&
      credential !== undefined &&
      (challenge.scheme === 'basic' || 'registryToken' in credential)
    ) {
      credential = await this.renewCredential(target, credential);
    }
    if (challenge.scheme === 'basic') {
      const header =
        credential && 'username' in credential ? basic(credential) : undefined;
      return header === previous ? undefined : header;
    }
    if (credential && 'registryToken' in credential) {
      const header = `Bearer ${credential.registryToken}`;
      return header === previous ? undefined : header;
    }
    const requested = [...scopes];
    if (challenge.params.scope) requested.push(challenge.params.scope);
    const wanted = normalizeScopes(requested);
    this.forget(authKey(target), previous);
    const token = await this.fetchTokenOnce(
      target,
      challenge,
      wanted,
      credential,
      signal,
    );
    const header = `Bearer ${token.token}`;
    return header === previous ? undefined : header;
  }

  private cachedToken(
    apiHost: string,
    scopes: string[],
  ): CachedToken | undefined {
    const now = Date.now();
    const live = (this.tokens.get(apiHost) ?? []).filter(
      t => t.expiresAt > now,
    );
    this.tokens.set(apiHost, live);
    // A token for a superset of scopes will do: a copy first asks for pull, then pull+push.
    return live.find(t => scopesCover(t.scopes, scopes));
  }

  private forget(apiHost: string, header: string | undefined): void {
    if (!header?.startsWith('Bearer ')) return;
    const token = header.slice('Bearer '.length);
    this.tokens.set(
      apiHost,
      (this.tokens.get(apiHost) ?? []).filter(t => t.token !== token),
    );
  }

  /**
   * Tells the provider that `rejected` was refused for the target's host and
   * returns what it offers now; parallel callers with the same rejected
   * credential share one renewal.
   */
  private renewCredential(
    target: AuthTarget,
    rejected: RegistryCredential,
  ): Promise<RegistryCredential | undefined> {
    const key = `${target.credentialHost} ${createHash('sha256')
      .update(JSON.stringify(rejected))
      .digest('hex')}`;
    let renewal = this.renewals.get(key);
    if (!renewal) {
      this.credentials?.invalidate?.(target.credentialHost);
      renewal = Promise.resolve(
        this.credentials?.getCredentials(target.credentialHost),
      );
      // A failed renewal is not remembered: the next 401 may try again.
      renewal.catch(() => this.renewals.delete(key));
      this.renewals.set(key, renewal);
      if (this.renewals.size > MAX_REMEMBERED_RENEWALS) {
        this.renewals.delete(this.renewals.keys().next().value as string);
      }
    }
    return renewal;
  }

  /**
   * Fetches a token; when the token service refuses a provider's credential
   * (an expired cloud token), renews the credential once and tries again.
   */
  private async fetchTokenRenewing(
    target: AuthTarget,
    challenge: AuthChallenge,
    scopes: string[],
    credential: RegistryCredential | undefined,
    signal?: AbortSignal,
  ): Promise<CachedToken> {
    try {
      return await this.fetchToken(
        target,
        challenge,
        scopes,
        credential,
        signal,
      );
    } catch (error) {
      const refused =
        error instanceof AuthenticationError &&
        error.status === 401 &&
        error.code === 'UNAUTHORIZED';
      if (!refused || !credential || !this.credentials?.invalidate) {
        throw error;
      }
      const renewed = await this.renewCredential(target, credential);
      if (!renewed || JSON.stringify(renewed) === JSON.stringify(credential)) {
        throw error;
      }
      return this.fetchToken(target, challenge, scopes, renewed, signal);
    }
  }

  private fetchTokenOnce(
    target: AuthTarget,
    challenge: AuthChallenge,
    scopes: string[],
    credential: RegistryCredential | undefined,
    signal?: AbortSignal,
  ): Promise<CachedToken> {
    // Concurrent blob HEADs all need the same token: fetch it once.
    const key = `${authKey(target)} ${scopes.join(' ')}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetchTokenRenewing(
        target,
        challenge,
        scopes,
        credential,
        signal,
      ).then(
        token => {
          this.inflight.delete(key);
          const list = this.tokens.get(authKey(target)) ?? [];
          list.push(token);
          this.tokens.set(authKey(target), list);
          return token;
        },
        error => {
          this.inflight.delete(key);
          throw error;
        },
      );
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async fetchToken(
    target: AuthTarget,
    challenge: AuthChallenge,
    scopes: string[],
    credential: RegistryCredential | undefined,
    signal?: AbortSignal,
  ): Promise<CachedToken> {
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm);
    } catch {
      throw new RegistryError(
        `${target.apiHost} asked for a token from an invalid realm`,
        { registry: target.credentialHost },
      );
    }
    // Secrets only go to the token service over TLS, or in clear text where
    // the operator already accepted clear text: a token service listed as
    // insecure, or one on the same machine as an insecure registry.
    const registryInsecure = this.transport.isInsecure(target.apiHost);
    const mayShareSecrets =
      realm.protocol === 'https:' ||
      this.transport.isInsecure(realm.host) ||
      (registryInsecure &&
        realm.hostname === new URL(`http://${target.apiHost}`).hostname);
    if (credential && !mayShareSecrets) {
      throw new AuthenticationError(
        `not sending the credentials for ${target.credentialHost} to the plain-http token service at ${realm.host}: serve it over https or list ${realm.host} as an insecure registry`,
        { registry: target.credentialHost, code: 'INSECURE_REALM' },
      );
    }
    const usable = credential;
    const requestedAt = Date.now();
    let response;
    if (usable && 'identityToken' in usable) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: usable.identityToken,
        client_id: CLIENT_ID,
        service: challenge.params.service ?? '',
        scope: scopes.join(' '),
      });
      response = await this.transport.request({
        method: 'POST',
        url: realm,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
        signal,
      });
    } else {
      const url = new URL(realm);
      if (challenge.params.service)
        url.searchParams.set('service', challenge.params.service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      if (usable && 'username' in usable)
        url.searchParams.set('account', usable.username);
      response = await this.transport.request({
        method: 'GET',
        url,
        headers:
          usable && 'username' in usable
            ? { authorization: basic(usable) }
            : {},
        signal,
      });
    }
    if (response.status === 401 || response.status === 403) {
      response.body.resume();
      throw AuthenticationError.forHost(target.credentialHost, {
        status: response.status,
        code: 'UNAUTHORIZED',
      });
    }
    if (response.status !== 200) {
      response.body.resume();
      throw new RegistryError(
        `token service ${redact(realm)} of ${
          target.credentialHost
        } answered HTTP ${response.status}`,
        { registry: target.credentialHost, status: response.status },
      );
    }
    const body = await readBody(response, MAX_TOKEN_RESPONSE_BYTES);
    let parsed: {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RegistryError(
        `token service of ${target.credentialHost} did not answer JSON`,
        {
          registry: target.credentialHost,
        },
      );
    }
    // The distribution spec says `token`; OAuth2 servers say `access_token`.
    const token = [parsed.token, parsed.access_token].find(
      (t): t is string => typeof t === 'string' && t !== '',
    );
    if (!token) {
      throw new RegistryError(
        `token service of ${target.credentialHost} returned no token`,
        {
          registry: target.credentialHost,
        },
      );
    }
    const lifetime =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0
        ? parsed.expires_in
        : DEFAULT_TOKEN_LIFETIME_S;
    // Our own clock, not `issued_at`: a skewed registry clock must not make
    // every token look expired (or eternal).
    const issuedAt = requestedAt;
    return {
      token,
      scopes,
      expiresAt: issuedAt + lifetime * 1000 - EXPIRY_MARGIN_MS,
    };
  }
}
