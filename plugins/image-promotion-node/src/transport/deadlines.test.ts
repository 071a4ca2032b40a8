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

import { spawn } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { RegistryConnectionError, RegistryTimeoutError } from '../errors';
import { HttpTransport, readBody } from './HttpTransport';
import { DEFAULT_REGISTRY_TIMEOUTS, resolveTimeouts } from './deadlines';
import type { RetryEvent } from './retry';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(handler: Handler) {
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
const short = { connectMs: 1000, responseHeadersMs: 400, idleMs: 400 };

describe('registry deadlines', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });

  function transport(
    options: ConstructorParameters<typeof HttpTransport>[0] = {},
  ) {
    const t = new HttpTransport({
      retry: fastRetry,
      timeouts: short,
      ...options,
    });
    cleanups.push(() => t.close());
    return t;
  }

  it('keeps defaults that fail a stalled registry within a minute, retries included', () => {
    const d = DEFAULT_REGISTRY_TIMEOUTS;
    expect(2 * (d.connectMs + d.responseHeadersMs)).toBeLessThanOrEqual(60_000);
    expect(d.idleMs).toBeLessThanOrEqual(30_000);
    expect(resolveTimeouts({ idleMs: 5 }).idleMs).toBe(5);
    expect(() => resolveTimeouts({ connectMs: 0 })).toThrow(
      /connectMs must be a positive number/,
    );
  });

  it('gives up on a registry that accepts and never answers after two attempts, naming it and the manifest', async () => {
    let calls = 0;
    const server = await serve(() => {
      calls++;
    });
    cleanups.push(server.close);
    const events: RetryEvent[] = [];
    const started = Date.now();
    const error = await transport({ onRetry: e => events.push(e) })
      .request({
        method: 'GET',
        url: new URL(
          `http://127.0.0.1:${server.port}/v2/team/app/manifests/1.0.0`,
        ),
      })
      .catch(e => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(RegistryTimeoutError);
    expect(error.phase).toBe('response');
    expect(error.message).toContain(`registry 127.0.0.1:${server.port}`);
    expect(error.message).toContain('manifest team/app:1.0.0');
    expect(calls).toBe(2);
    expect(events).toHaveLength(1);
    expect(events[0].registry).toBe(`127.0.0.1:${server.port}`);
    expect(events[0].subject).toBe('manifest team/app:1.0.0');
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(10_000);
  });

  it('fails a body that stops arriving, naming host, blob and bytes received', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '10000' });
      res.write(Buffer.alloc(1000));
    });
    cleanups.push(server.close);
    const digest = `sha256:${'a'.repeat(64)}`;
    const res = await transport().request({
      method: 'GET',
      url: new URL(
        `http://127.0.0.1:${server.port}/v2/team/app/blobs/${digest}`,
      ),
    });
    const error = await readBody(res, 100_000).catch(e => e);
    expect(error).toBeInstanceOf(RegistryTimeoutError);
    expect(error.phase).toBe('idle');
    expect(error.message).toContain(`registry 127.0.0.1:${server.port}`);
    expect(error.message).toContain(`blob ${digest} of team/app`);
    expect(error.message).toContain('after 1000 of 10000 bytes');
  });

  it('never cuts off a slow body that keeps moving', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '12' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write('x');
        if (++sent === 12) {
          clearInterval(timer);
          res.end();
        }
      }, 150);
      res.on('close', () => clearInterval(timer));
    });
    cleanups.push(server.close);
    const res = await transport().request({
      method: 'GET',
      url: new URL(`http://127.0.0.1:${server.port}/v2/team/app/blobs/x`),
    });
    // 1.8 s in total, more than four times the idle timeout.
    expect((await readBody(res, 100)).toString()).toBe('x'.repeat(12));
  });

  it('does not blame the sender while the reader holds the body back', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(4 * 1024 * 1024) });
      res.end(Buffer.alloc(4 * 1024 * 1024));
    });
    cleanups.push(server.close);
    const res = await transport().request({
      method: 'GET',
      url: new URL(`http://127.0.0.1:${server.port}/v2/team/app/blobs/x`),
    });
    // Nobody reads for three idle timeouts: buffered data is waiting on us.
    await new Promise(r => setTimeout(r, 1200));
    expect((await readBody(res, 8 * 1024 * 1024)).length).toBe(4 * 1024 * 1024);
  });

  it('fails an upload the registry stops taking, naming host and bytes sent', async () => {
    const server = await serve(req => {
      // Takes the headers, never reads the body.
      req.pause();
    });
    cleanups.push(server.close);
    const size = 256 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024);
    const error = await transport()
      .request({
        method: 'PUT',
        url: new URL(
          `http://127.0.0.1:${
            server.port
          }/v2/team/app/blobs/uploads/u1?digest=sha256:${'b'.repeat(64)}`,
        ),
        headers: { 'content-length': String(size) },
        retry: false,
        body: async () =>
          Readable.from(
            (function* gen() {
              for (let i = 0; i < size / chunk.length; i++) yield chunk;
            })(),
          ),
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(RegistryTimeoutError);
    expect(error.phase).toBe('upload');
    expect(error.message).toContain(`registry 127.0.0.1:${server.port}`);
    expect(error.message).toContain(
      `the upload of blob sha256:${'b'.repeat(64)} to team/app`,
    );
    expect(error.message).toMatch(/after \d+ of 268435456 bytes/);
  });

  it('names host, blob and bytes received when the connection is cut mid-body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '10000' });
      res.write(Buffer.alloc(1000), () => res.socket?.destroy());
    });
    cleanups.push(server.close);
    const res = await transport().request({
      method: 'GET',
      url: new URL(`http://127.0.0.1:${server.port}/v2/team/app/blobs/x`),
    });
    const error = await readBody(res, 100_000).catch(e => e);
    expect(error).toBeInstanceOf(RegistryConnectionError);
    expect(error.code).toBe('ECONNRESET');
    expect(error.message).toContain(
      `registry 127.0.0.1:${server.port} closed the connection during blob x of team/app after 1000 of 10000 bytes received`,
    );
  });

  it('says the registry refused the connection instead of a socket address', async () => {
    const server = await serve(() => {});
    const { port } = server;
    await server.close();
    const error = await transport({ retry: { ...fastRetry, maxAttempts: 2 } })
      .request({
        method: 'GET',
        url: new URL(`http://127.0.0.1:${port}/v2/team/app/tags/list`),
      })
      .catch(e => e);
    expect(error).toBeInstanceOf(RegistryConnectionError);
    expect(error.message).toMatch(
      new RegExp(
        `^registry 127.0.0.1:${port} refused the connection \\(the tag list of team/app\\)`,
      ),
    );
    expect(error.message).not.toContain('ECONNREFUSED 127.0.0.1');
  });

  it('gives up on a registry whose connection is never accepted, within the connect timeout', async () => {
    // A listener on loopback whose process never accepts: once its backlog
    // is full, the kernel drops further SYNs and a connect hangs, as behind
    // a firewall that silently drops packets, without leaving loopback.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const s = require('node:net').createServer();
         s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
           process.stdout.write(s.address().port + '\\n');
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
         });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    cleanups.push(() => {
      holder.kill('SIGKILL');
    });
    const port = await new Promise<number>(resolve =>
      holder.stdout.once('data', data => resolve(Number(String(data)))),
    );
    // Fill the backlog until a connect stays pending.
    let pending = false;
    for (let i = 0; i < 8 && !pending; i++) {
      const socket = net.connect(port, '127.0.0.1');
      cleanups.push(() => {
        socket.destroy();
      });
      pending = await new Promise<boolean>(resolve => {
        socket.once('connect', () => resolve(false));
        socket.once('error', () => resolve(false));
        setTimeout(() => resolve(true), 500);
      });
    }
    expect(pending).toBe(true);

    const events: RetryEvent[] = [];
    const started = Date.now();
    const error = await transport({ onRetry: e => events.push(e) })
      .request({
        method: 'GET',
        url: new URL(`http://127.0.0.1:${port}/v2/team/app/manifests/1.0`),
      })
      .catch(e => e);

    expect(error).toBeInstanceOf(RegistryTimeoutError);
    expect(error.phase).toBe('connect');
    expect(error.message).toMatch(
      new RegExp(
        `^registry 127.0.0.1:${port} did not accept a connection within 1 s \\(manifest team/app:1.0\\)`,
      ),
    );
    // One retry of the missed deadline, then the error: two connect timeouts.
    expect(events).toHaveLength(1);
    expect(events[0].reason).toBe('no connection within 1 s');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * short.connectMs);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
