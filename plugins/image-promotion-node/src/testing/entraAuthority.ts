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
import { readFile } from 'node:fs/promises';
import { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runCommand } from './run';
import { makeTempDir, removeTempDir } from './tempDir';

/** A service principal the stand-in authority knows. */
export interface EntraClient {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/** An access token the authority issued, for the registry stand-in to check. */
export interface EntraIssuedToken {
  tenantId: string;
  clientId: string;
  /** The scope it was asked for, e.g. `https://containerregistry.azure.net/.default`. */
  scope: string;
  expiresAt: number;
}

/** A token request as the authority saw it. */
export interface EntraTokenRequest {
  tenantId: string;
  clientId: string;
  grantType: string;
  scope: string;
  /** The OAuth2 error answered, undefined when a token was issued. */
  error?: string;
  /** Whether the form carried a client secret. */
  secretSent: boolean;
}

/** Options of {@link startEntraAuthority}. */
export interface EntraAuthorityOptions {
  clients: EntraClient[];
  /** `expires_in` of the access tokens (default 3600). */
  expiresInSeconds?: number;
}

/** A running Microsoft Entra ID stand-in (OIDC discovery + client-credentials token endpoint) over https. */
export interface EntraAuthority {
  /** `https://127.0.0.1:PORT`, the `authorityHost` for @azure/identity. */
  authorityHost: string;
  /** PEM of its self-signed certificate, to trust it (NODE_EXTRA_CA_CERTS, tls.setDefaultCACertificates). */
  certificatePem: string;
  certificatePath: string;
  readonly requests: EntraTokenRequest[];
  /** The token's issue record, or undefined for a token this authority did not issue (or one that expired). */
  verify(accessToken: string): EntraIssuedToken | undefined;
  stop(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * Starts a stand-in for Microsoft Entra ID speaking the protocol MSAL (inside
 * @azure/identity) uses for client credentials: tenant OIDC discovery and the
 * v2.0 token endpoint, with AADSTS-style errors. It is https with a fresh
 * self-signed certificate because MSAL refuses plain-http authorities.
 */
export async function startEntraAuthority(
  options: EntraAuthorityOptions,
): Promise<EntraAuthority> {
  const dir = makeTempDir('entra');
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  try {
    await runCommand(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '2',
        '-subj',
        '/CN=image-promotion-test-entra',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        keyPath,
        '-out',
        certPath,
      ],
      { timeoutMs: 60_000 },
    );
  } catch (error) {
    await removeTempDir(dir);
    throw error;
  }
  const key = await readFile(keyPath, 'utf8');
  const cert = await readFile(certPath, 'utf8');
  const lifetime = options.expiresInSeconds ?? 3600;
  const issued = new Map<string, EntraIssuedToken>();
  const requests: EntraTokenRequest[] = [];
  let origin = '';

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', origin);
    const discovery =
      /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(
        url.pathname,
      );
    if (req.method === 'GET' && discovery) {
      const tenant = discovery[1];
      send(res, 200, {
        issuer: `${origin}/${tenant}/v2.0`,
        authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
        token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
        end_session_endpoint: `${origin}/${tenant}/oauth2/v2.0/logout`,
        jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'token'],
        token_endpoint_auth_methods_supported: ['client_secret_post'],
      });
      return;
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (req.method === 'POST' && token) {
      const tenantId = token[1];
      const form = await readForm(req);
      const record: EntraTokenRequest = {
        tenantId,
        clientId: form.get('client_id') ?? '',
        grantType: form.get('grant_type') ?? '',
        scope: form.get('scope') ?? '',
        secretSent: form.has('client_secret'),
      };
      requests.push(record);
      const fail = (status: number, error: string, description: string) => {
        record.error = error;
        send(res, status, {
          error,
          error_description: `${description}\r\nTrace ID: ${randomBytes(
            8,
          ).toString('hex')}`,
          error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
        });
      };
      const client = options.clients.find(
        c => c.tenantId === tenantId && c.clientId === record.clientId,
      );
      if (record.grantType !== 'client_credentials') {
        fail(
          400,
          'unsupported_grant_type',
          'AADSTS70003: unsupported grant type.',
        );
      } else if (!client) {
        fail(
          400,
          'unauthorized_client',
          `AADSTS700016: Application with identifier '${record.clientId}' was not found in the directory '${tenantId}'.`,
        );
      } else if (form.get('client_secret') !== client.clientSecret) {
        fail(
          401,
          'invalid_client',
          `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`,
        );
      } else {
        const accessToken = `entra-${randomBytes(24).toString('hex')}`;
        issued.set(accessToken, {
          tenantId,
          clientId: client.clientId,
          scope: record.scope,
          expiresAt: Date.now() + lifetime * 1000,
        });
        send(res, 200, {
          token_type: 'Bearer',
          expires_in: lifetime,
          ext_expires_in: lifetime,
          access_token: accessToken,
        });
      }
      return;
    }
    send(res, 404, { error: 'not_found' });
  };

  const server: Server = createServer({ key, cert }, (req, res) => {
    handle(req, res).catch(error => send(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `https://127.0.0.1:${port}`;

  let stopped = false;
  return {
    authorityHost: origin,
    certificatePem: cert,
    certificatePath: certPath,
    requests,
    verify(accessToken) {
      const record = issued.get(accessToken);
      return record && record.expiresAt > Date.now() ? record : undefined;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
      await removeTempDir(dir);
    },
  };
}
