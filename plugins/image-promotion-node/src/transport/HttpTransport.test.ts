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

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { AbortError } from '../errors';
import { HttpTransport, readBody } from './HttpTransport';
import type { RetryEvent } from './retry';
import { withRetryListener } from './retryContext';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(
  handler: Handler,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const fastRetry = { baseDelayMs: 1, maxDelayMs: 5 };

describe('HttpTransport', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  function transport(
    options: ConstructorParameters<typeof HttpTransport>[0] = {},
  ) {
    const t = new HttpTransport({ retry: fastRetry, ...options });
    cleanups.push(() => t.close());
    return t;
  }

  it('retries 503 and 429, honouring Retry-After, and reports each retry', async () => {
    let calls = 0;
    const server = await serve((_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(503, { 'retry-after': '0' }).end('busy');
      else if (calls === 2) res.writeHead(429).end();
      else res.writeHead(200).end('ok');
    });
    cleanups.push(server.close);
    const events: RetryEvent[] = [];
    const t = transport({ onRetry: e => events.push(e) });
    const res = await t.request({
      method: 'GET',
      url: new URL(`http://127.0.0.1:${server.port}/v2/x?secret=1`),
    });
    expect(res.status).toBe(200);
    expect((await readBody(res, 100)).toString()).toBe('ok');
    expect(events.map(e => [e.attempt, e.reason])).toEqual([
      [1, 'HTTP 503'],
      [2, 'HTTP 429'],
    ]);
    expect(events[0].delayMs).toBe(0);
    // Query strings can carry pre-signed secrets: they never reach events.
    expect(events[0].url).not.toContain('secret');
  });

  it('reports retries to the listener of the operation that caused them', async () => {
    let calls = 0;
    const server = await serve((_req, res) => {
      calls++;
      res.writeHead(calls === 1 ? 500 : 200).end();
    });
    cleanups.push(server.close);
    const t = transport();
    const events: RetryEvent[] = [];
    const outside: RetryEvent[] = [];
    await withRetryListener(
      e => events.push(e),
      () =>
        t.request({
          method: 'GET',
          url: new URL(`http://127.0.0.1:${server.port}/a`),
        }),
    );
    await withRetryListener(
      e => outside.push(e),
      async () => undefined,
    );
    expect(events.map(e => e.reason)).toEqual(['HTTP 500']);
    expect(outside).toEqual([]);
  });

  it('re-opens a request body through its factory when the connection drops', async () => {
    let calls = 0;
    const received: string[] = [];
    const server = await serve((req, res) => {
      calls++;
      if (calls === 1) {
        req.socket.destroy();
        return;
      }
      let body = '';
      req.on('data', c => (body += c));
      req.on('end', () => {
        received.push(body);
        res.writeHead(201).end();
      });
    });
    cleanups.push(server.close);
    let opened = 0;
    const res = await transport().request({
      method: 'PUT',
      url: new URL(`http://127.0.0.1:${server.port}/upload`),
      headers: { 'content-length': '5' },
      body: async () => {
        opened++;
        return Readable.from([Buffer.from('hello')]);
      },
    });
    expect(res.status).toBe(201);
    expect(opened).toBe(2);
    expect(received).toEqual(['hello']);
  });

  it('strips Authorization on a redirect to another host but keeps it on the same host', async () => {
    const seen: Array<string | undefined> = [];
    const storage = await serve((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200).end('blob');
    });
    cleanups.push(storage.close);
    const registry = await serve((req, res) => {
      if (req.url === '/first') {
        res.writeHead(307, { location: '/second' }).end();
      } else {
        seen.push(req.headers.authorization);
        // `localhost` and `127.0.0.1` are different hosts as far as credentials go.
        res
          .writeHead(307, {
            location: `http://localhost:${storage.port}/blob?sig=x`,
          })
          .end();
      }
    });
    cleanups.push(registry.close);
    const res = await transport().request({
      method: 'GET',
      url: new URL(`http://127.0.0.1:${registry.port}/first`),
      headers: { authorization: 'Bearer secret' },
    });
    expect((await readBody(res, 100)).toString()).toBe('blob');
    expect(res.url.host).toBe(`localhost:${storage.port}`);
    expect(seen).toEqual(['Bearer secret', undefined]);
  });

  it('speaks plain http only to hosts marked insecure', () => {
    const t = transport({ insecureHosts: ['127.0.0.1:5000'] });
    expect(t.baseUrl('127.0.0.1:5000').protocol).toBe('http:');
    expect(t.baseUrl('127.0.0.1:5001').protocol).toBe('https:');
    expect(t.baseUrl('localhost:5000').protocol).toBe('https:');
  });

  it('rejects with an AbortError when the signal fires mid-request', async () => {
    const server = await serve(() => {
      // never answers
    });
    cleanups.push(server.close);
    const controller = new AbortController();
    const pending = transport().request({
      method: 'GET',
      url: new URL(`http://127.0.0.1:${server.port}/slow`),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
  });

  it('does not retry when the server keeps failing past the attempt budget', async () => {
    let calls = 0;
    const server = await serve((_req, res) => {
      calls++;
      res.writeHead(502).end();
    });
    cleanups.push(server.close);
    const res = await transport({
      retry: { ...fastRetry, maxAttempts: 3 },
    }).request({
      method: 'GET',
      url: new URL(`http://127.0.0.1:${server.port}/`),
    });
    expect(res.status).toBe(502);
    expect(calls).toBe(3);
  });
});
