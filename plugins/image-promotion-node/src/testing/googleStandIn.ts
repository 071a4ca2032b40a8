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
import { writeFileSync } from 'node:fs';
import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestUser } from './registry';

/** Options of {@link startGoogleStandIn}. */
export interface GoogleStandInOptions {
  /** The subject token (the CI job's OIDC token) the stand-in accepts. */
  subjectToken: string;
  /** Lifetime of an access token in seconds (default 3600, Google's). */
  tokenLifetimeSeconds?: number;
}

/**
 * A stand-in for Google's Security Token Service, the token endpoint of
 * workload identity federation (what a CI job's credentials file names as
 * `token_url`): `google-auth-library` POSTs an RFC 8693 token exchange and
 * gets an access token back. Every access token it issues becomes a valid
 * `oauth2accesstoken` password in {@link registryUsers}, the user list of
 * the token server in front of the test registry, until it expires or is
 * revoked.
 */
export interface GoogleStandIn {
  /** `http://127.0.0.1:PORT/v1/token` */
  tokenUrl: string;
  /**
   * Users for `startTokenServer`: the live access tokens, changing as they
   * are issued and expire. Users a test adds itself (a checker) stay.
   */
  readonly registryUsers: TestUser[];
  /** Access tokens issued so far. */
  tokensIssued(): number;
  /** Makes every access token issued so far invalid at the registry (expiry or revocation). */
  revokeAll(): void;
  /**
   * Writes an `external_account` credentials file (as `gcloud iam
   * workload-identity-pools create-cred-config` or a CI auth action writes
   * it) whose subject token is `subjectToken`; returns its path.
   */
  writeCredentialsFile(dir: string, subjectToken?: string): string;
  stop(): Promise<void>;
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Starts the Google STS stand-in on a loopback port. */
export async function startGoogleStandIn(
  options: GoogleStandInOptions,
): Promise<GoogleStandIn> {
  const lifetime = options.tokenLifetimeSeconds ?? 3600;
  const registryUsers: TestUser[] = [];
  const expiries = new Map<string, number>();
  let issued = 0;

  const dropExpired = () => {
    const now = Date.now();
    for (let i = registryUsers.length - 1; i >= 0; i--) {
      const expiry = expiries.get(registryUsers[i].password);
      if (expiry !== undefined && expiry <= now) {
        registryUsers.splice(i, 1);
      }
    }
  };
  // The registry side must notice expiry even when nobody asks for a token.
  const sweeper = setInterval(dropExpired, 200);
  sweeper.unref();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== '/v1/token') {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    if (form.get('grant_type') !== TOKEN_EXCHANGE) {
      sendJson(res, 400, {
        error: 'unsupported_grant_type',
        error_description: 'stand-in only does token exchange',
      });
      return;
    }
    if (form.get('subject_token') !== options.subjectToken) {
      sendJson(res, 400, {
        error: 'invalid_grant',
        error_description: 'The subject token is invalid.',
      });
      return;
    }
    const token = `ya29.standin-${randomBytes(24).toString('base64url')}`;
    issued += 1;
    dropExpired();
    expiries.set(token, Date.now() + lifetime * 1000);
    registryUsers.push({ username: 'oauth2accesstoken', password: token });
    sendJson(res, 200, {
      access_token: token,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: lifetime,
    });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => sendJson(res, 500, { error: 'internal' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const tokenUrl = `http://127.0.0.1:${port}/v1/token`;
  let files = 0;
  let stopped = false;
  return {
    tokenUrl,
    registryUsers,
    tokensIssued: () => issued,
    revokeAll() {
      for (const token of expiries.keys()) expiries.set(token, 0);
      dropExpired();
    },
    writeCredentialsFile(dir, subjectToken = options.subjectToken) {
      files += 1;
      const tokenFile = join(dir, `oidc-token-${files}`);
      writeFileSync(tokenFile, subjectToken, { mode: 0o600 });
      const path = join(dir, `google-credentials-${files}.json`);
      writeFileSync(
        path,
        JSON.stringify({
          type: 'external_account',
          audience:
            '//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci/providers/standin',
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          token_url: tokenUrl,
          credential_source: { file: tokenFile },
        }),
        { mode: 0o600 },
      );
      return path;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(sweeper);
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}
