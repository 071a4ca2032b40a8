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

import { randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runCommand } from './run';
import { makeTempDir, removeTempDir } from './tempDir';
import type { TestUser } from './registry';

/** One entry of the `access` claim of a registry token. */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/** A token request as the server saw it, for assertions. */
export interface TokenRequestRecord {
  /** The authenticated user, undefined for anonymous requests. */
  username?: string;
  /** True when credentials were sent but did not match. */
  rejected: boolean;
  service?: string;
  scopes: string[];
  granted: TokenAccess[];
}

/** Options of {@link startTokenServer}. */
export interface TokenServerOptions {
  users: TestUser[];
  /** Grant `pull` to anonymous clients (default: anonymous gets no access). */
  anonymousPull?: boolean;
  /** The `service` the registry is configured with (default `image-promotion-test-registry`). */
  service?: string;
  /** The `iss` claim (default `image-promotion-test-issuer`). */
  issuer?: string;
  /** Token lifetime in seconds (default 300). */
  expiresInSeconds?: number;
  /**
   * Accepts OAuth2 `grant_type=refresh_token` requests (ACR's token flow):
   * returns the subject a refresh token stands for, or undefined to refuse it.
   */
  refreshTokenSubject?: (
    refreshToken: string,
    service?: string,
  ) => string | undefined;
}

/** A running token server for distribution's `auth.token` mode. */
export interface TokenServer {
  /** Absolute URL of the token endpoint. */
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate the registry trusts for token signatures. */
  rootCertBundlePath: string;
  /** Every token request so far, oldest first. */
  readonly requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

const GRANTABLE_ACTIONS = new Set(['pull', 'push']);

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

/** Parses `type:name:actions`; the name may itself contain colons. */
export function parseScope(scope: string): TokenAccess | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) {
    return undefined;
  }
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(action => action.length > 0),
  };
}

function parseBasic(
  header: string | undefined,
): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) {
    return undefined;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return undefined;
  }
  return {
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/**
 * Starts a token server: checks Basic credentials (or OAuth2 password grant)
 * against its users and issues RS256 JWTs carrying the signing certificate
 * in `x5c`, which distribution 2.8 verifies against `rootcertbundle`.
 */
export async function startTokenServer(
  options: TokenServerOptions,
): Promise<TokenServer> {
  const dir = makeTempDir('token');
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
        '/CN=image-promotion-test-token-signer',
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
  const privateKey = await readFile(keyPath, 'utf8');
  const certificate = new X509Certificate(await readFile(certPath));
  const header = base64url(
    JSON.stringify({
      typ: 'JWT',
      alg: 'RS256',
      x5c: [certificate.raw.toString('base64')],
    }),
  );

  const service = options.service ?? 'image-promotion-test-registry';
  const issuer = options.issuer ?? 'image-promotion-test-issuer';
  const lifetime = options.expiresInSeconds ?? 300;
  const requests: TokenRequestRecord[] = [];

  const issue = (subject: string, access: TokenAccess[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: issuer,
      sub: subject,
      // distribution 2.8 reads `aud` as a single string
      aud: service,
      exp: now + lifetime,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const signingInput = `${header}.${base64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), privateKey);
    return `${signingInput}.${base64url(signature)}`;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    if (url.pathname !== '/token') {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    let credentials = parseBasic(req.headers.authorization);
    let scopes = url.searchParams.getAll('scope');
    let requestedService = url.searchParams.get('service') ?? undefined;
    let refreshToken: string | undefined;
    if (req.method === 'POST') {
      // OAuth2 password grant, as some clients prefer it
      const form = new URLSearchParams(await readBody(req));
      if (form.get('grant_type') === 'password') {
        credentials = {
          username: form.get('username') ?? '',
          password: form.get('password') ?? '',
        };
      } else if (form.get('grant_type') === 'refresh_token') {
        refreshToken = form.get('refresh_token') ?? '';
      }
      scopes = scopes.concat(
        (form.get('scope') ?? '').split(' ').filter(s => s.length > 0),
      );
      requestedService = form.get('service') ?? requestedService;
    } else if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'method not allowed' });
      return;
    }

    let username: string | undefined;
    if (refreshToken !== undefined) {
      username = options.refreshTokenSubject?.(refreshToken, requestedService);
      if (username === undefined) {
        requests.push({
          rejected: true,
          service: requestedService,
          scopes,
          granted: [],
        });
        sendJson(res, 401, {
          errors: [{ code: 'UNAUTHORIZED', message: 'invalid refresh token' }],
        });
        return;
      }
    } else if (credentials) {
      const user = options.users.find(
        candidate =>
          candidate.username === credentials?.username &&
          candidate.password === credentials?.password,
      );
      if (!user) {
        requests.push({
          rejected: true,
          service: requestedService,
          scopes,
          granted: [],
        });
        res.setHeader('www-authenticate', 'Basic realm="image-promotion-test"');
        sendJson(res, 401, {
          errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }],
        });
        return;
      }
      username = user.username;
    }

    const granted: TokenAccess[] = [];
    for (const scope of scopes.flatMap(s => s.split(' '))) {
      const access = parseScope(scope);
      if (!access || access.type !== 'repository') {
        continue;
      }
      const actions = access.actions.filter(action => {
        if (username !== undefined) {
          return GRANTABLE_ACTIONS.has(action);
        }
        return options.anonymousPull === true && action === 'pull';
      });
      if (actions.length > 0) {
        granted.push({ ...access, actions });
      }
    }
    requests.push({
      username,
      rejected: false,
      service: requestedService,
      scopes,
      granted,
    });
    const token = issue(username ?? '', granted);
    sendJson(res, 200, {
      token,
      access_token: token,
      expires_in: lifetime,
      issued_at: new Date().toISOString(),
    });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(error => {
      sendJson(res, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let stopped = false;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundlePath: certPath,
    requests,
    async stop() {
      if (stopped) {
        return;
      }
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
      await removeTempDir(dir);
    },
  };
}
