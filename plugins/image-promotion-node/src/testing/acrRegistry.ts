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

import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { EntraAuthority } from './entraAuthority';
import { startRegistry, TestRegistry, TestUser } from './registry';
import { startReverseProxy, ReverseProxy } from './reverseProxy';
import { startTokenServer, TokenServer } from './tokenServer';

/** The Entra audience ACR accepts for the exchange in every configuration. */
const ACR_AUDIENCE_SCOPE = 'https://containerregistry.azure.net/.default';

/** One `POST /oauth2/exchange` as the stand-in saw it. */
export interface AcrExchangeRecord {
  clientId?: string;
  tenant?: string;
  service?: string;
  grantType?: string;
  /** Why it was refused; undefined when a refresh token was issued. */
  refused?: string;
}

/** Options of {@link startAcrRegistry}. */
export interface AcrRegistryOptions {
  authority: EntraAuthority;
  /** Client ids holding AcrPush on the registry; any other identity is refused at the exchange. */
  allowedClients: string[];
  /** Basic users of the token service, for an independent checker such as skopeo (`--creds`). */
  users?: TestUser[];
  /** Lifetime of the ACR refresh tokens (default 3 h, as ACR's). */
  refreshTokenLifetimeSeconds?: number;
  /** Lifetime of the registry access tokens (default 300 s). */
  accessTokenLifetimeSeconds?: number;
}

/** A registry guarded the way ACR guards one: Entra token → refresh token → access token. */
export interface AcrRegistry {
  /** `127.0.0.1:PORT`: the registry host clients use (ACR's `<name>.azurecr.io`). */
  host: string;
  url: string;
  registry: TestRegistry;
  tokenServer: TokenServer;
  proxy: ReverseProxy;
  readonly exchanges: AcrExchangeRecord[];
  /** Makes every refresh token issued so far invalid (as an expired or revoked one). */
  revokeRefreshTokens(): void;
  stop(): Promise<void>;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/**
 * Starts a stand-in for an Azure Container Registry: a real `docker-registry`
 * with token auth behind a front end that answers ACR's
 * `POST /oauth2/exchange` (checking the Entra access token with the authority
 * stand-in) and routes `/oauth2/token` to a token service accepting the
 * issued refresh tokens, all on one host as on `<name>.azurecr.io`.
 */
export async function startAcrRegistry(
  options: AcrRegistryOptions,
): Promise<AcrRegistry> {
  const refreshLifetime = options.refreshTokenLifetimeSeconds ?? 3 * 3600;
  const refreshTokens = new Map<
    string,
    { subject: string; expiresAt: number }
  >();
  const exchanges: AcrExchangeRecord[] = [];
  let tokenServer: TokenServer | undefined;
  let registry: TestRegistry | undefined;
  let host = '';

  const exchange = async (req: IncomingMessage, res: ServerResponse) => {
    const form = await readForm(req);
    const issued = options.authority.verify(form.get('access_token') ?? '');
    const record: AcrExchangeRecord = {
      clientId: issued?.clientId,
      tenant: form.get('tenant') ?? undefined,
      service: form.get('service') ?? undefined,
      grantType: form.get('grant_type') ?? undefined,
    };
    exchanges.push(record);
    const refuse = (status: number, reason: string) => {
      record.refused = reason;
      sendJson(res, status, {
        errors: [{ code: 'UNAUTHORIZED', message: reason }],
      });
    };
    if (record.grantType !== 'access_token') {
      refuse(400, 'unsupported grant_type');
    } else if (record.service !== host) {
      refuse(400, `service must be ${host}`);
    } else if (!issued) {
      refuse(401, 'the access token is invalid or expired');
    } else if (issued.scope !== ACR_AUDIENCE_SCOPE) {
      refuse(401, `the access token is for ${issued.scope}`);
    } else if (record.tenant && record.tenant !== issued.tenantId) {
      refuse(401, 'the access token is from another tenant');
    } else if (!options.allowedClients.includes(issued.clientId)) {
      refuse(401, 'the identity has no role on this registry');
    } else {
      const expiresAt = Date.now() + refreshLifetime * 1000;
      const token = `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url({
        sub: issued.clientId,
        tenant: issued.tenantId,
        aud: host,
        exp: Math.floor(expiresAt / 1000),
      })}.${randomBytes(32).toString('base64url')}`;
      refreshTokens.set(token, { subject: issued.clientId, expiresAt });
      sendJson(res, 200, { refresh_token: token });
    }
  };

  const proxy = await startReverseProxy({
    handle: async (req, res, url) => {
      if (url.pathname !== '/oauth2/exchange') return false;
      if (req.method !== 'POST') {
        sendJson(res, 405, { errors: [{ code: 'UNSUPPORTED' }] });
      } else {
        await exchange(req, res);
      }
      return true;
    },
    route: path => {
      if (path.startsWith('/oauth2/token') && tokenServer) {
        return {
          host: new URL(tokenServer.realm).host,
          path: `/token${path.slice('/oauth2/token'.length)}`,
        };
      }
      return path.startsWith('/v2/') && registry
        ? { host: registry.host, path }
        : undefined;
    },
  });
  host = proxy.host;
  try {
    tokenServer = await startTokenServer({
      users: options.users ?? [],
      service: host,
      expiresInSeconds: options.accessTokenLifetimeSeconds,
      refreshTokenSubject: (token, service) => {
        const entry = refreshTokens.get(token);
        return entry && entry.expiresAt > Date.now() && service === host
          ? entry.subject
          : undefined;
      },
    });
    registry = await startRegistry({
      auth: { token: { ...tokenServer, realm: `${proxy.url}/oauth2/token` } },
    });
  } catch (error) {
    await tokenServer?.stop();
    await proxy.stop();
    throw error;
  }
  const started = { tokenServer, registry };
  return {
    host,
    url: proxy.url,
    registry,
    tokenServer,
    proxy,
    exchanges,
    revokeRefreshTokens: () => refreshTokens.clear(),
    async stop() {
      await proxy.stop();
      await started.registry.stop();
      await started.tokenServer.stop();
    },
  };
}
