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

import { Authenticator, type AuthTarget } from '../auth/Authenticator';
import type { CredentialProvider } from '../auth/credentials';
import { AuthenticationError, RegistryError, isAbortError } from '../errors';
import {
  HttpTransport,
  discardBody,
  type HttpRequest,
  type HttpResponse,
} from '../transport/HttpTransport';
import type { RegistryTimeouts } from '../transport/deadlines';
import type { RetryEvent, RetryPolicy } from '../transport/retry';
import { RegistryRepository } from './RegistryRepository';

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  credentials?: CredentialProvider;
  /** `host[:port]` of registries spoken to over plain http; every other host needs TLS. */
  insecureRegistries?: string[];
  userAgent?: string;
  retry?: Partial<RetryPolicy>;
  /** Bound on parallel connections to one host (default 16). */
  maxSocketsPerHost?: number;
  /**
   * Deadlines of every registry request (connect, response headers, body
   * idle); see {@link DEFAULT_REGISTRY_TIMEOUTS} for the defaults.
   */
  timeouts?: Partial<RegistryTimeouts>;
  /** Receives every retry made by this client. */
  onRetry?: (event: RetryEvent) => void;
  /**
   * Where the credentials come from, for the hint when a registry refuses
   * them: `docker config /root/.docker/config.json`, or per registry host
   * (`app-config imagePromotion.registries.qa.credentials`).
   */
  credentialSource?: string | ((registry: string) => string | undefined);
}

/** Host the distribution API of a registry lives on: Docker Hub's is not `docker.io`. */
export function apiHostFor(registry: string): string {
  const host = registry.toLowerCase();
  return host === 'docker.io' || host === 'index.docker.io'
    ? 'registry-1.docker.io'
    : host;
}

/**
 * A registry's API path prefix in canonical form: `''` for none, otherwise
 * `/segment/...` without a trailing slash or a trailing `/v2` (people paste
 * the API URL they see in the vendor's docs). Throws for `..`, `?`, `#` or
 * empty segments, which cannot name a path on the registry.
 */
export function normalizePathPrefix(prefix: string | undefined): string {
  let path = (prefix ?? '').trim().replace(/\/+$/, '');
  path = path.replace(/\/v2$/i, '');
  if (path === '' || path === '/') return '';
  if (!path.startsWith('/')) path = `/${path}`;
  const segments = path.slice(1).split('/');
  if (
    segments.some(s => s === '' || s === '.' || s === '..') ||
    /[?#\s%\\]/.test(path)
  ) {
    throw new RegistryError(
      `"${prefix}" is not a registry path prefix: use /segment/segment such as /artifactory/api/docker/docker-local`,
    );
  }
  return path;
}

/**
 * Entry point for registries: creates repositories that share one transport
 * (keep-alive agents) and one token cache, so a copy
 * between two repositories of a registry authenticates once.
 */
export class RegistryClient {
  readonly transport: HttpTransport;
  readonly authenticator: Authenticator;
  /** API hosts that answered at least once (connection errors after that are not about reachability). */
  private readonly reached = new Set<string>();
  private readonly credentialSource: RegistryClientOptions['credentialSource'];

  constructor(options: RegistryClientOptions = {}) {
    const insecure = options.insecureRegistries ?? [];
    this.transport = new HttpTransport({
      insecureHosts: [...insecure, ...insecure.map(apiHostFor)],
      userAgent: options.userAgent,
      retry: options.retry,
      maxSocketsPerHost: options.maxSocketsPerHost,
      timeouts: options.timeouts,
      onRetry: options.onRetry,
    });
    this.authenticator = new Authenticator(this.transport, options.credentials);
    this.credentialSource = options.credentialSource;
  }

  /** Where the credentials of a registry (`host[:port]` as the user wrote it) come from, if known. */
  credentialSourceFor(registry: string): string | undefined {
    const source = this.credentialSource;
    return typeof source === 'function' ? source(registry) : source;
  }

  /** Re-issues an authentication failure with the hint naming where the credentials came from. */
  private withCredentialHint(target: AuthTarget, error: unknown): unknown {
    const source = this.credentialSourceFor(target.credentialHost);
    // Only the generic hint is re-issued: a credential provider's own error
    // (ECR, GAR) already says what to fix.
    if (
      !(error instanceof AuthenticationError) ||
      !error.credentialHint ||
      source === undefined
    ) {
      return error;
    }
    return AuthenticationError.forHost(
      error.registry ?? target.credentialHost,
      {
        repository: error.repository,
        reference: error.reference,
        status: error.status,
        code: error.code,
        details: error.details,
        cause: error,
      },
      source,
    );
  }

  /**
   * A repository of a registry (`registry` is `host[:port]`, `docker.io` for
   * Docker Hub); `pathPrefix` for a registry whose `/v2/` lives under a path
   * (`/artifactory/api/docker/<repo>`, a Nexus repository path).
   */
  repository(
    registry: string,
    repository: string,
    options: { pathPrefix?: string } = {},
  ): RegistryRepository {
    return new RegistryRepository(this, registry, repository, options);
  }

  /** The /v2/ base URL of a registry. */
  baseUrl(target: AuthTarget): URL {
    return this.transport.baseUrl(target.apiHost);
  }

  /**
   * Turns a connection failure on a host that never answered into an error
   * that names the registry and says what to check.
   */
  private unreachable(target: AuthTarget, url: URL, error: unknown): unknown {
    if (
      isAbortError(error) ||
      error instanceof RegistryError ||
      this.reached.has(target.apiHost)
    ) {
      return error;
    }
    const code =
      (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return new RegistryError(
      `cannot reach registry ${target.credentialHost} at ${
        url.origin
      }: ${code}${
        url.protocol === 'https:' && /SSL|CERT|EPROTO/i.test(String(code))
          ? ' (if it serves plain http, list it as an insecure registry)'
          : ''
      }`,
      { registry: target.credentialHost, cause: error },
    );
  }

  /**
   * Sends a request with the Authorization the scopes need, re-authenticating
   * once on 401 (expired token, insufficient scope). The caller checks the
   * final status.
   */
  async send(
    target: AuthTarget,
    request: HttpRequest,
    scopes: string[],
  ): Promise<HttpResponse> {
    // An upload Location may point at another host: credentials stay with
    // the registry they belong to.
    const ownHost = request.url.host === this.baseUrl(target).host;
    const withAuth = (authorization: string | undefined): HttpRequest => ({
      ...request,
      headers:
        authorization && ownHost
          ? { ...request.headers, authorization }
          : { ...request.headers },
    });
    // No separate `GET /v2/` ping: until a host has sent a 401 challenge, its
    // requests go out anonymously, which saves a round trip per host on every
    // CLI run (and anonymous registries never send one).
    const first = await this.authenticator
      .authorization(target, scopes, request.signal)
      .catch(error => {
        throw this.withCredentialHint(target, error);
      });
    let response: HttpResponse;
    try {
      response = await this.transport.request(withAuth(first));
    } catch (error) {
      throw this.unreachable(target, request.url, error);
    }
    this.reached.add(target.apiHost);
    if (response.status !== 401) return response;
    const challenge = response.headers['www-authenticate'];
    discardBody(response);
    const next = await this.authenticator
      .refresh(target, challenge, scopes, first, request.signal)
      .catch(error => {
        throw this.withCredentialHint(target, error);
      });
    if (next === undefined) {
      throw AuthenticationError.forHost(
        target.credentialHost,
        { status: 401, code: 'UNAUTHORIZED' },
        this.credentialSourceFor(target.credentialHost),
      );
    }
    const retried = await this.transport.request(withAuth(next));
    if (retried.status !== 401 || first !== undefined) return retried;
    // The first request went anonymously to learn the challenge, so the
    // credentials just sent were refused for the first time: a cloud
    // provider's cached token may have expired or been revoked early. One
    // more round lets the provider renew it; without a new header the 401
    // goes to the caller as before.
    const renewed = await this.authenticator.refresh(
      target,
      retried.headers['www-authenticate'],
      scopes,
      next,
      request.signal,
    );
    if (renewed === undefined) return retried;
    discardBody(retried);
    return this.transport.request(withAuth(renewed));
  }

  /** Closes pooled connections (tests, CLI exit); the client stays usable. */
  close(): void {
    this.transport.close();
  }
}
