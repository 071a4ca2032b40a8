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

import type { TokenCredential } from '@azure/identity';
import { RegistryError, isAbortError } from '../../errors';
import {
  HttpTransport,
  readBody,
  type HttpResponse,
} from '../../transport/HttpTransport';
import type { CredentialProvider, RegistryCredential } from '../credentials';
import { CredentialProviderError } from './CredentialProviderError';
import {
  ExpiringCredentialCache,
  type ExpiringCredential,
} from './ExpiringCredentialCache';

/**
 * The audience ACR accepts for `/oauth2/exchange` in every configuration
 * (ARM-audience tokens stop working once a registry disables "authentication
 * as ARM"), so it is the default.
 */
export const ACR_SCOPE = 'https://containerregistry.azure.net/.default';

/** Options of {@link AcrCredentialProvider}. */
export interface AcrCredentialProviderOptions {
  /** Directory (tenant) of the service principal, or of the managed/workload identity. */
  tenantId?: string;
  /**
   * Application (client) id of the service principal; without a secret, the
   * client id of a user-assigned managed identity or workload identity.
   */
  clientId?: string;
  /** Secret of the service principal; with tenantId and clientId it selects ClientSecretCredential. */
  clientSecret?: string;
  /** Microsoft Entra authority for sovereign clouds (default: AZURE_AUTHORITY_HOST or the public cloud). */
  authorityHost?: string;
  /** Any @azure/identity credential; replaces the ones built from the options above. */
  credential?: TokenCredential;
  /** Entra scope of the token exchanged at the registry (default {@link ACR_SCOPE}). */
  scope?: string;
  /** Registry hosts reached over plain http (a local stand-in); every other exchange uses https. */
  insecureHosts?: string[];
  /** Deadline of the Entra token request and of the exchange, each (default 30 s). */
  timeoutMs?: number;
  /** Where AZURE_AUTHORITY_HOST is read from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** ACR documents 3 h for its refresh tokens; used when the token does not say. */
const DEFAULT_REFRESH_LIFETIME_MS = 3 * 60 * 60_000;
const MAX_EXCHANGE_RESPONSE_BYTES = 256 * 1024;

/** The `exp` claim of a JWT, in ms, without verifying it (only the issuer can, and it is the registry). */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** The AADSTS code of an Entra error description: it names the cause without quoting anything secret. */
function aadstsCode(text: unknown): string | undefined {
  return typeof text === 'string' ? /AADSTS\d+/.exec(text)?.[0] : undefined;
}

/**
 * The OAuth2 error Entra answered with, wherever @azure/identity or MSAL put
 * it: `errorResponse` on identity's AuthenticationError, `errorCode` and
 * `errorMessage` on MSAL's ServerError (possibly as the `cause`).
 */
function oauthError(
  error: unknown,
): { error: string; errorDescription?: string } | undefined {
  for (let e = error, depth = 0; e && depth < 4; depth++) {
    const candidate = e as {
      errorResponse?: { error?: unknown; errorDescription?: unknown };
      errorCode?: unknown;
      errorMessage?: unknown;
      cause?: unknown;
    };
    if (typeof candidate.errorResponse?.error === 'string') {
      return {
        error: candidate.errorResponse.error,
        errorDescription: String(
          candidate.errorResponse.errorDescription ?? '',
        ),
      };
    }
    if (typeof candidate.errorCode === 'string' && candidate.errorCode) {
      return {
        error: candidate.errorCode,
        errorDescription: String(candidate.errorMessage ?? ''),
      };
    }
    e = candidate.cause;
  }
  return undefined;
}

/**
 * Azure Container Registry: a Microsoft Entra token from @azure/identity
 * (DefaultAzureCredential, or ClientSecretCredential for a configured service
 * principal), exchanged at the registry's `POST /oauth2/exchange` for an ACR
 * refresh token. That is returned as an identity token, so the engine's usual
 * token flow (`/oauth2/token`, `grant_type=refresh_token`) gets the scoped
 * access tokens. The refresh token is cached per registry until shortly before
 * it expires; {@link AcrCredentialProvider.invalidate} drops it after a 401.
 */
export class AcrCredentialProvider implements CredentialProvider {
  private credential?: Promise<TokenCredential>;
  private readonly cache = new ExpiringCredentialCache();
  private readonly insecure: Set<string>;
  private readonly timeoutMs: number;
  /** For the exchange: deadlines, retries on 5xx and resets, plain http only for listed hosts. */
  private readonly transport: HttpTransport;

  constructor(private readonly options: AcrCredentialProviderOptions = {}) {
    this.insecure = new Set(
      (options.insecureHosts ?? []).map(h => h.toLowerCase()),
    );
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // The transport's own connect/answer/idle deadlines bound each attempt;
    // the AbortSignal of the exchange bounds all of them together.
    this.transport = new HttpTransport({ insecureHosts: [...this.insecure] });
  }

  async getCredentials(host: string): Promise<RegistryCredential | undefined> {
    const key = host.toLowerCase();
    return this.cache.get(key, () => this.fetchRefreshToken(key));
  }

  /** Forgets the refresh token of a registry that answered 401, so the next request exchanges again. */
  invalidate(host: string): void {
    this.cache.invalidate(host.toLowerCase());
  }

  private authorityHost(): string | undefined {
    return (
      this.options.authorityHost ??
      (this.env().AZURE_AUTHORITY_HOST || undefined)
    );
  }

  /** Who we authenticate as, for messages: ids only, never the secret. */
  private identity(): string {
    const { tenantId, clientId, clientSecret, credential } = this.options;
    if (credential) return 'the configured Azure credential';
    if (clientSecret) {
      return `service principal ${clientId} in tenant ${tenantId}`;
    }
    const env = this.env();
    if (env.AZURE_CLIENT_SECRET) {
      return `service principal ${env.AZURE_CLIENT_ID} in tenant ${env.AZURE_TENANT_ID} (AZURE_CLIENT_ID, AZURE_TENANT_ID)`;
    }
    return 'DefaultAzureCredential';
  }

  private env(): NodeJS.ProcessEnv {
    return this.options.env ?? process.env;
  }

  /** The setting names to fix, as the user wrote them: config keys, or the environment DefaultAzureCredential read. */
  private settingNames(): { tenant: string; client: string; secret: string } {
    return !this.options.clientSecret && this.env().AZURE_CLIENT_SECRET
      ? {
          tenant: 'AZURE_TENANT_ID',
          client: 'AZURE_CLIENT_ID',
          secret: 'AZURE_CLIENT_SECRET',
        }
      : { tenant: 'tenantId', client: 'clientId', secret: 'clientSecret' };
  }

  private loadCredential(): Promise<TokenCredential> {
    // Loaded on first use only: a backend or CLI run without ACR never pays for the Azure SDK.
    this.credential ??= (async () => {
      const { tenantId, clientId, clientSecret, credential } = this.options;
      if (credential) return credential;
      // require() rather than import(): jest runs the sources without ESM
      // support, and both bundlers (esbuild for the CLI, the package build)
      // keep it a lazy load.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const identity: typeof import('@azure/identity') = require('@azure/identity');
      const authorityHost = this.authorityHost();
      // Instance discovery asks the public cloud about the authority; a
      // configured one (sovereign cloud, Azure Stack) is trusted as given.
      const authority = authorityHost
        ? { authorityHost, disableInstanceDiscovery: true }
        : {};
      if (clientSecret) {
        return new identity.ClientSecretCredential(
          tenantId ?? '',
          clientId ?? '',
          clientSecret,
          authority,
        );
      }
      return new identity.DefaultAzureCredential({
        ...authority,
        ...(tenantId ? { tenantId } : {}),
        ...(clientId
          ? {
              managedIdentityClientId: clientId,
              workloadIdentityClientId: clientId,
            }
          : {}),
      });
    })();
    return this.credential;
  }

  private async entraToken(host: string): Promise<string> {
    const credential = await this.loadCredential();
    const scope = this.options.scope ?? ACR_SCOPE;
    try {
      const token = await credential.getToken(scope, {
        abortSignal: AbortSignal.timeout(this.timeoutMs),
        ...(this.options.tenantId ? { tenantId: this.options.tenantId } : {}),
      });
      if (!token?.token) throw new Error('no token');
      return token.token;
    } catch (error) {
      throw this.entraError(host, error);
    }
  }

  private entraError(host: string, error: unknown): CredentialProviderError {
    const name = (error as Error | undefined)?.name;
    const response = oauthError(error);
    const code = aadstsCode(response?.errorDescription);
    const who = this.identity();
    const names = this.settingNames();
    let message: string;
    let noCredentials = false;
    if (isAbortError(error) || name === 'TimeoutError') {
      message = `Microsoft Entra ID did not answer within ${Math.round(
        this.timeoutMs / 1000,
      )} s for ${who}; check the network path to the authority (and authorityHost for sovereign clouds)`;
    } else if (
      response?.error === 'invalid_client' ||
      code === 'AADSTS7000215' ||
      code === 'AADSTS7000222'
    ) {
      message = `Microsoft Entra ID refused the client secret of ${who}${
        code ? ` (${code})` : ''
      }: check ${
        names.secret
      }; client secrets expire, create a new one in the app registration`;
    } else if (
      response?.error === 'unauthorized_client' ||
      code === 'AADSTS700016' ||
      code === 'AADSTS90002' ||
      code === 'AADSTS900023'
    ) {
      message = `Microsoft Entra ID does not know ${who}${
        code ? ` (${code})` : ''
      }: check ${names.tenant} and ${names.client}`;
    } else if (response?.error) {
      message = `Microsoft Entra ID refused a token to ${who}: ${
        response.error
      }${code ? ` (${code})` : ''}`;
    } else if (
      this.options.clientSecret &&
      name === 'CredentialUnavailableError'
    ) {
      message = `cannot reach Microsoft Entra ID at ${
        this.authorityHost() ?? 'https://login.microsoftonline.com'
      } for ${who}: ${this.scrub(
        (error as Error).message,
      )}; check the network path to it (and authorityHost for sovereign clouds)`;
    } else if (
      name === 'CredentialUnavailableError' ||
      name === 'AggregateAuthenticationError'
    ) {
      noCredentials = true;
      message = `no Azure credentials found: set tenantId, clientId and clientSecret for a service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for the CLI), use workload identity (AZURE_FEDERATED_TOKEN_FILE) or a managed identity, or run "az login"`;
    } else {
      message = `could not get a Microsoft Entra token for ${who}: ${this.scrub(
        (error as Error | undefined)?.message ?? String(error),
      )}`;
    }
    return new CredentialProviderError('ACR', `${message} (registry ${host})`, {
      registry: host,
      code: 'ACR_ENTRA_TOKEN',
      noCredentials,
    });
  }

  /** Library messages are ours to pass on only without the secret in them. */
  private scrub(text: string): string {
    const secrets = [
      this.options.clientSecret,
      this.env().AZURE_CLIENT_SECRET,
    ].filter((secret): secret is string => !!secret);
    return secrets.reduce(
      (out, secret) => out.split(secret).join('***'),
      text.split('\n')[0].slice(0, 300),
    );
  }

  private async fetchRefreshToken(host: string): Promise<ExpiringCredential> {
    const accessToken = await this.entraToken(host);
    const url = new URL('/oauth2/exchange', this.transport.baseUrl(host));
    const form = new URLSearchParams({
      grant_type: 'access_token',
      service: host,
      access_token: accessToken,
    });
    if (this.options.tenantId) form.set('tenant', this.options.tenantId);
    const requestedAt = Date.now();
    let response: HttpResponse;
    let text: string;
    try {
      response = await this.transport.request({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: Buffer.from(form.toString()),
        followRedirects: false,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = (await readBody(response, MAX_EXCHANGE_RESPONSE_BYTES)).toString(
        'utf8',
      );
    } catch (error) {
      const reason = isAbortError(error)
        ? `no answer within ${Math.round(this.timeoutMs / 1000)} s`
        : String(
            (error as NodeJS.ErrnoException).code ?? (error as Error).message,
          );
      throw new RegistryError(
        `ACR: cannot reach ${host} to exchange the Microsoft Entra token: ${reason}`,
        { registry: host, cause: error },
      );
    }
    if (response.status === 401 || response.status === 403) {
      throw new CredentialProviderError(
        'ACR',
        `${host} refused the Microsoft Entra token of ${this.identity()} (HTTP ${
          response.status
        }): give that identity the AcrPull role on the registry (AcrPush to push) and check that tenantId is the registry's tenant`,
        { registry: host, code: 'ACR_EXCHANGE' },
      );
    }
    if (response.status === 404) {
      throw new RegistryError(
        `ACR: ${host} has no /oauth2/exchange endpoint: is it an Azure Container Registry (<name>.azurecr.io)? Use username/password credentials for other registries`,
        { registry: host, status: 404, code: 'ACR_EXCHANGE' },
      );
    }
    if (response.status !== 200) {
      throw new RegistryError(
        `ACR: ${host} answered HTTP ${response.status} to the token exchange; try again later`,
        { registry: host, status: response.status, code: 'ACR_EXCHANGE' },
      );
    }
    let refreshToken: unknown;
    try {
      refreshToken = JSON.parse(text).refresh_token;
    } catch {
      refreshToken = undefined;
    }
    if (typeof refreshToken !== 'string' || refreshToken === '') {
      throw new RegistryError(
        `ACR: ${host} answered the token exchange without a refresh token`,
        { registry: host, code: 'ACR_EXCHANGE' },
      );
    }
    const expiresAt =
      jwtExpiry(refreshToken) ?? requestedAt + DEFAULT_REFRESH_LIFETIME_MS;
    return { credential: { identityToken: refreshToken }, expiresAt };
  }
}
