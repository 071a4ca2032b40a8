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
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { StaticCredentialProvider } from '../auth/credentials';
import { sha256Digest } from '../digest';
import {
  AuthenticationError,
  DigestMismatchError,
  NotFoundError,
} from '../errors';
import { MediaTypes } from '../mediaTypes';
import { RegistryClient } from './RegistryClient';

/**
 * A tiny in-memory registry, just enough protocol to exercise the client:
 * optional Bearer auth with a token service on the same server, manifests,
 * blobs, monolithic uploads, mounts and paginated tags.
 */
class FakeRegistry {
  readonly blobs = new Map<string, Buffer>();
  readonly manifests = new Map<string, { type: string; bytes: Buffer }>();
  readonly log: string[] = [];
  completedUploads = 0;
  /** 401 challenges sent. */
  challenges = 0;
  tokenRequests = 0;
  readonly tokenScopes: string[] = [];
  /** Answer the next authorised request with insufficient_scope, asking for this scope. */
  demandScope?: string;
  /** Answer the next authorised request with 401 as if its token had expired. */
  expireNextToken = false;
  /** Serve manifests with a Docker-Content-Digest that does not match. */
  lieAboutDigest = false;
  auth?: { username: string; password: string };
  private server = http.createServer((req, res) => this.handle(req, res));
  port = 0;

  get host() {
    return `127.0.0.1:${this.port}`;
  }

  async start() {
    await new Promise<void>(r => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  stop() {
    this.server.closeAllConnections();
    return new Promise<void>(r => this.server.close(() => r()));
  }

  private challenge(res: http.ServerResponse, extra = '') {
    this.challenges++;
    res
      .writeHead(401, {
        'www-authenticate': `Bearer realm="http://${this.host}/token",service="fake"${extra}`,
        'content-type': 'application/json',
      })
      .end(
        JSON.stringify({
          errors: [
            { code: 'UNAUTHORIZED', message: 'authentication required' },
          ],
        }),
      );
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', `http://${this.host}`);
    this.log.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/token' && req.method === 'POST') {
      this.tokenRequests++;
      let form = '';
      req.on('data', c => (form += c));
      req.on('end', () => {
        const params = new URLSearchParams(form);
        this.tokenScopes.push(params.get('scope') ?? '');
        if (
          params.get('grant_type') !== 'refresh_token' ||
          params.get('refresh_token') !== 'refresh-me'
        ) {
          res.writeHead(401).end();
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: `tok-${this.tokenRequests}` }));
      });
      return;
    }
    if (url.pathname === '/token') {
      this.tokenRequests++;
      this.tokenScopes.push(url.searchParams.getAll('scope').join(' '));
      const expected = `Basic ${Buffer.from(
        `${this.auth?.username}:${this.auth?.password}`,
      ).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          access_token: `tok-${this.tokenRequests}`,
          expires_in: 300,
        }),
      );
      return;
    }
    if (this.auth) {
      if (!req.headers.authorization?.startsWith('Bearer tok-')) {
        this.challenge(res);
        return;
      }
      if (this.demandScope && url.pathname !== '/v2/') {
        const scope = this.demandScope;
        this.demandScope = undefined;
        this.challenge(res, `,scope="${scope}",error="insufficient_scope"`);
        return;
      }
      if (this.expireNextToken && url.pathname !== '/v2/') {
        this.expireNextToken = false;
        this.challenge(res, ',error="invalid_token"');
        return;
      }
    }
    if (url.pathname === '/v2/') {
      res.writeHead(200).end('{}');
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs|tags)\/(.*)$/.exec(url.pathname);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const [, repo, kind, rest] = m;
    if (kind === 'tags') {
      const tags = [...this.manifests.keys()]
        .filter(k => k.startsWith(`${repo}:`))
        .map(k => k.slice(repo.length + 1))
        .sort();
      // Registries may serve fewer than asked: cap pages at 2 to force pagination.
      const n = Math.min(Number(url.searchParams.get('n') ?? 1000), 2);
      const last = url.searchParams.get('last');
      const from = last ? tags.indexOf(last) + 1 : 0;
      const page = tags.slice(from, from + n);
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/json',
      };
      if (from + n < tags.length) {
        headers.link = `</v2/${repo}/tags/list?n=${n}&last=${
          page[page.length - 1]
        }>; rel="next"`;
      }
      res
        .writeHead(200, headers)
        .end(JSON.stringify({ name: repo, tags: page }));
      return;
    }
    if (kind === 'manifests') {
      if (req.method === 'PUT') {
        const chunks: Buffer[] = [];
        req.on('data', c => chunks.push(c));
        req.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const entry = { type: String(req.headers['content-type']), bytes };
          this.manifests.set(`${repo}@${sha256Digest(bytes)}`, entry);
          this.manifests.set(`${repo}:${rest}`, entry);
          res
            .writeHead(201, { 'docker-content-digest': sha256Digest(bytes) })
            .end();
        });
        return;
      }
      const key = rest.startsWith('sha256:')
        ? `${repo}@${rest}`
        : `${repo}:${rest}`;
      const entry = this.manifests.get(key);
      if (!entry) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }],
          }),
        );
        return;
      }
      res.writeHead(200, {
        'content-type': entry.type,
        'content-length': entry.bytes.length,
        'docker-content-digest': this.lieAboutDigest
          ? sha256Digest('lie')
          : sha256Digest(entry.bytes),
      });
      res.end(req.method === 'HEAD' ? undefined : entry.bytes);
      return;
    }
    // blobs
    if (rest === 'uploads/' && req.method === 'POST') {
      const mount = url.searchParams.get('mount');
      const from = url.searchParams.get('from');
      if (mount && from && this.blobs.has(`${from}@${mount}`)) {
        this.blobs.set(`${repo}@${mount}`, this.blobs.get(`${from}@${mount}`)!);
        res
          .writeHead(201, {
            'docker-content-digest': mount,
            location: `/v2/${repo}/blobs/${mount}`,
          })
          .end();
        return;
      }
      res
        .writeHead(202, {
          location: `/v2/${repo}/blobs/uploads/session-1?state=abc`,
        })
        .end();
      return;
    }
    if (rest.startsWith('uploads/') && req.method === 'PUT') {
      const digest = url.searchParams.get('digest')!;
      const hash = createHash('sha256');
      const chunks: Buffer[] = [];
      req.on('data', c => {
        hash.update(c);
        chunks.push(c);
      });
      req.on('end', () => {
        this.completedUploads++;
        if (`sha256:${hash.digest('hex')}` !== digest) {
          res.writeHead(400).end(
            JSON.stringify({
              errors: [{ code: 'DIGEST_INVALID', message: 'digest mismatch' }],
            }),
          );
          return;
        }
        this.blobs.set(`${repo}@${digest}`, Buffer.concat(chunks));
        res.writeHead(201, { 'docker-content-digest': digest }).end();
      });
      return;
    }
    const blob = this.blobs.get(`${repo}@${rest}`);
    if (!blob) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-length': blob.length,
      'docker-content-digest': rest,
    });
    res.end(req.method === 'HEAD' ? undefined : blob);
  }
}

const alice = { username: 'alice', password: 's3cret-pw' };

describe('RegistryRepository against a fake registry', () => {
  let registry: FakeRegistry;
  let client: RegistryClient;

  beforeEach(async () => {
    registry = new FakeRegistry();
    await registry.start();
    client = new RegistryClient({
      insecureRegistries: [registry.host],
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
      credentials: new StaticCredentialProvider({ [registry.host]: alice }),
    });
  });

  afterEach(async () => {
    client.close();
    await registry.stop();
  });

  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256Digest('{}'),
        size: 2,
      },
      layers: [],
    }),
  );

  it('pushes and resolves a manifest by tag, verifying the reported digest', async () => {
    const repo = client.repository(registry.host, 'team/app');
    const digest = await repo.putManifest(
      'v1',
      manifest,
      MediaTypes.ociManifest,
    );
    expect(digest).toBe(sha256Digest(manifest));
    await expect(repo.resolve('v1')).resolves.toEqual({
      mediaType: MediaTypes.ociManifest,
      digest,
      size: manifest.length,
    });
    await expect(repo.resolve('missing')).resolves.toBeUndefined();
    const fetched = await repo.getManifest(digest);
    expect(fetched.bytes.equals(manifest)).toBe(true);
  });

  it('refuses a manifest whose bytes do not match the digest the registry reports', async () => {
    const repo = client.repository(registry.host, 'team/app');
    await repo.putManifest('v1', manifest, MediaTypes.ociManifest);
    registry.lieAboutDigest = true;
    await expect(repo.getManifest('v1')).rejects.toBeInstanceOf(
      DigestMismatchError,
    );
  });

  it('reports a missing manifest as NotFoundError with the registry error code', async () => {
    const repo = client.repository(registry.host, 'team/app');
    const error = await repo.getManifest('nope').catch(e => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.code).toBe('MANIFEST_UNKNOWN');
    expect(error.status).toBe(404);
  });

  it('exchanges Basic credentials for a bearer token once and reuses it', async () => {
    registry.auth = alice;
    const repo = client.repository(registry.host, 'team/app');
    await repo.putManifest('v1', manifest, MediaTypes.ociManifest);
    await repo.resolve('v1');
    await repo.resolve('v1');
    // One token for pull+push covers the later pulls.
    expect(registry.tokenRequests).toBe(1);
  });

  it('fetches a new token once when the registry rejects the cached one', async () => {
    registry.auth = alice;
    const repo = client.repository(registry.host, 'team/app');
    await repo.putManifest('v1', manifest, MediaTypes.ociManifest);
    registry.expireNextToken = true;
    await expect(repo.resolve('v1')).resolves.toBeDefined();
    expect(registry.tokenRequests).toBe(2);
  });

  it('asks for the scope an insufficient_scope challenge names, once', async () => {
    registry.auth = alice;
    const repo = client.repository(registry.host, 'team/app');
    await repo.putManifest('v1', manifest, MediaTypes.ociManifest);
    registry.demandScope = 'repository:team/other:pull';
    await expect(repo.resolve('v1')).resolves.toBeDefined();
    expect(registry.tokenScopes[registry.tokenScopes.length - 1]).toBe(
      'repository:team/app:pull repository:team/other:pull',
    );
  });

  it('exchanges an identity token through the OAuth2 refresh-token grant', async () => {
    registry.auth = alice;
    const tokenClient = new RegistryClient({
      insecureRegistries: [registry.host],
      credentials: new StaticCredentialProvider({
        [registry.host]: { identityToken: 'refresh-me' },
      }),
    });
    try {
      const repo = tokenClient.repository(registry.host, 'team/app');
      await expect(repo.resolve('v1')).resolves.toBeUndefined();
      expect(registry.tokenScopes).toEqual(['repository:team/app:pull']);
    } finally {
      tokenClient.close();
    }
  });

  it('learns a challenge from the first 401 instead of pinging /v2/ first', async () => {
    registry.auth = alice;
    const repo = client.repository(registry.host, 'team/app');
    await repo.putManifest('v1', manifest, MediaTypes.ociManifest);
    await repo.resolve('v1');
    expect(registry.log.filter(line => line.endsWith(' /v2/'))).toEqual([]);
    // One anonymous attempt taught the challenge; everything after carried the token.
    expect(registry.challenges).toBe(1);
  });

  it('names an unreachable registry and its address instead of a bare socket error', async () => {
    const closed = new http.Server();
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise(resolve => closed.close(resolve));
    const host = `127.0.0.1:${port}`;
    const offline = new RegistryClient({
      insecureRegistries: [host],
      retry: { maxAttempts: 1 },
    });
    try {
      const error = await offline
        .repository(host, 'team/app')
        .resolve('v1')
        .catch(e => e);
      expect(error.message).toBe(
        `registry ${host} refused the connection (manifest team/app:v1): check that it is running and listens on port ${port}, and that the registry address is right`,
      );
      expect(error.registry).toBe(host);
    } finally {
      offline.close();
    }
  });

  it('fails with an AuthenticationError that names the host but not the password', async () => {
    registry.auth = { username: 'alice', password: 'other' };
    const repo = client.repository(registry.host, 'team/app');
    const error = await repo.resolve('v1').catch(e => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain(
      `authentication to ${registry.host} failed`,
    );
    expect(error.message).not.toContain(alice.password);
  });

  it('names where the refused credentials came from when the caller says', async () => {
    registry.auth = { username: 'alice', password: 'other' };
    const described = new RegistryClient({
      insecureRegistries: [registry.host],
      retry: { baseDelayMs: 1, maxDelayMs: 2 },
      credentials: new StaticCredentialProvider({ [registry.host]: alice }),
      credentialSource: host =>
        host === registry.host
          ? 'app-config imagePromotion.registries.qa.credentials'
          : undefined,
    });
    try {
      const error = await described
        .repository(registry.host, 'team/app')
        .resolve('v1')
        .catch(e => e);
      expect(error).toBeInstanceOf(AuthenticationError);
      expect(error.message).toContain(
        `check the username/password for ${registry.host} in app-config imagePromotion.registries.qa.credentials`,
      );
      expect(error.message).not.toContain('docker config');
    } finally {
      described.close();
    }
  });

  it('uploads a blob through POST + PUT ?digest= and then finds it', async () => {
    const repo = client.repository(registry.host, 'team/app');
    const data = Buffer.alloc(300_000, 7);
    const descriptor = {
      mediaType: 'application/octet-stream',
      digest: sha256Digest(data),
      size: data.length,
    };
    let progress = 0;
    await expect(
      repo.putBlob(
        descriptor,
        async () =>
          Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
        {
          onProgress: n => (progress = n),
        },
      ),
    ).resolves.toBe('uploaded');
    expect(progress).toBe(data.length);
    await expect(repo.hasBlob(descriptor.digest)).resolves.toBe(true);
    expect(
      registry.log.some(l =>
        l.includes('/blobs/uploads/session-1?state=abc&digest=sha256%3A'),
      ),
    ).toBe(true);
  });

  it('never completes an upload whose content does not match its digest', async () => {
    const repo = client.repository(registry.host, 'team/app');
    const data = Buffer.alloc(4_000_000, 1);
    const descriptor = {
      mediaType: 'application/octet-stream',
      digest: sha256Digest('something else'),
      size: data.length,
    };
    const chunks = [data.subarray(0, 1_000_000), data.subarray(1_000_000)];
    await expect(
      repo.putBlob(descriptor, async () => Readable.from(chunks)),
    ).rejects.toBeInstanceOf(DigestMismatchError);
    await new Promise(r => setTimeout(r, 50));
    // The body was cut before its end: the registry never saw a complete upload.
    expect(registry.completedUploads).toBe(0);
    expect(registry.blobs.size).toBe(0);
  });

  it('mounts a blob from another repository of the same registry', async () => {
    const source = client.repository(registry.host, 'team/app');
    const target = client.repository(registry.host, 'prod/app');
    const data = Buffer.from('layer');
    const descriptor = {
      mediaType: 'application/octet-stream',
      digest: sha256Digest(data),
      size: data.length,
    };
    await source.putBlob(descriptor, async () => Readable.from([data]));
    let opened = false;
    await expect(
      target.putBlob(
        descriptor,
        async () => {
          opened = true;
          return Readable.from([data]);
        },
        { mountFrom: source },
      ),
    ).resolves.toBe('mounted');
    expect(opened).toBe(false);
    expect(registry.log).toContain(
      `POST /v2/prod/app/blobs/uploads/?mount=${encodeURIComponent(
        descriptor.digest,
      )}&from=team%2Fapp`,
    );
  });

  it('falls back to uploading in the session a refused mount opened', async () => {
    const source = client.repository(registry.host, 'team/app');
    const target = client.repository(registry.host, 'prod/app');
    const data = Buffer.from('not in source');
    const descriptor = {
      mediaType: 'application/octet-stream',
      digest: sha256Digest(data),
      size: data.length,
    };
    await expect(
      target.putBlob(descriptor, async () => Readable.from([data]), {
        mountFrom: source,
      }),
    ).resolves.toBe('uploaded');
  });

  it('follows Link pagination when listing tags', async () => {
    const repo = client.repository(registry.host, 'team/app');
    for (const tag of ['a', 'b', 'c', 'd', 'e']) {
      await repo.putManifest(tag, manifest, MediaTypes.ociManifest);
    }
    await expect(repo.listTags()).resolves.toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(registry.log.filter(l => l.includes('/tags/list'))).toHaveLength(3);
    await expect(
      client.repository(registry.host, 'nothing/here').listTags(),
    ).resolves.toEqual([]);
  });
});
