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

import {
  Agent,
  createServer,
  IncomingMessage,
  OutgoingHttpHeaders,
  request as httpRequest,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';

/** Where a request goes upstream: `host:port` and the path (with query) to ask for. */
export interface UpstreamTarget {
  host: string;
  path: string;
}

/** Options of {@link startReverseProxy}. */
export interface ReverseProxyOptions {
  /**
   * Where to forward a request (path with query, as the client sent it);
   * undefined answers 404. Called per request, so it may name upstreams
   * started after the proxy.
   */
  route(path: string): UpstreamTarget | undefined;
  /**
   * Answers a request here instead of forwarding it; returns true when it did.
   * For endpoints the stand-in itself implements (`/oauth2/exchange`).
   */
  handle?(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<boolean> | boolean;
  /**
   * Turns an upstream `Location` path back into the path clients use (e.g.
   * puts the `/artifactory/api/docker/<repo>` prefix of `requestPath` back in
   * front of `/v2/`).
   */
  rewriteLocationPath?(path: string, requestPath: string): string;
}

/** A running reverse proxy on a loopback port. */
export interface ReverseProxy {
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `METHOD path` of every request, oldest first. */
  readonly log: string[];
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/**
 * A small HTTP reverse proxy, the way an Artifactory, Nexus or ACR front end
 * sits before the registry: it keeps the client's Host header (so the
 * registry's own `Location` URLs name the proxy) and rewrites `Location` paths
 * back into the client's path layout.
 */
export async function startReverseProxy(
  options: ReverseProxyOptions,
): Promise<ReverseProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const log: string[] = [];
  let origin = '';

  const rewriteLocation = (location: string, requestPath: string): string => {
    if (!options.rewriteLocationPath) return location;
    const absolute = new URL(location, origin);
    if (absolute.origin !== origin) return location;
    const path = options.rewriteLocationPath(absolute.pathname, requestPath);
    return `${origin}${path}${absolute.search}`;
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    target: UpstreamTarget,
  ) => {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    const [hostname, port] = target.host.split(':');
    const upstream = httpRequest(
      {
        hostname,
        port: Number(port),
        method: req.method,
        path: target.path,
        headers,
        agent,
      },
      response => {
        const out: OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value === undefined || HOP_BY_HOP.has(name)) continue;
          out[name] =
            name === 'location' && typeof value === 'string'
              ? rewriteLocation(value, req.url ?? '/')
              : value;
        }
        res.writeHead(response.statusCode ?? 502, out);
        response.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    log.push(`${req.method} ${url.pathname}`);
    Promise.resolve(options.handle?.(req, res, url) ?? false)
      .then(handled => {
        if (handled) return;
        const target = options.route(`${url.pathname}${url.search}`);
        if (!target) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ code: 'NOT_FOUND' }] }));
          return;
        }
        forward(req, res, target);
      })
      .catch(error => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  let stopped = false;
  return {
    host: `127.0.0.1:${port}`,
    port,
    url: origin,
    log,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
