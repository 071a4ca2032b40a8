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
  createServer,
  IncomingMessage,
  request as httpRequest,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';

/** A registry front that serves tag lists in small pages, as Harbor, ECR or Docker Hub do. */
export interface PaginatingProxy {
  /** `127.0.0.1:PORT`: use it as the registry host. */
  host: string;
  /** Tag-list requests served since start. */
  readonly tagPageRequests: number;
  stop(): Promise<void>;
}

const TAGS_LIST = /^\/v2\/(.+)\/tags\/list$/;

/**
 * Forwards everything to a distribution registry (which in version 2.8
 * ignores `n` and returns every tag at once), except tag lists: those are
 * cut into pages of at most `pageSize` tags, in lexical order, with an RFC
 * 5988 `Link: <…>; rel="next"` header, as the distribution spec describes.
 */
export async function startPaginatingProxy(
  upstreamHost: string,
  pageSize: number,
): Promise<PaginatingProxy> {
  const [hostname, port] = upstreamHost.split(':');
  let tagPageRequests = 0;

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const upstream = httpRequest(
      {
        hostname,
        port: Number(port),
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      upstreamRes => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  };

  const servePage = async (res: ServerResponse, name: string, url: URL) => {
    tagPageRequests++;
    const all = await fetch(`http://${upstreamHost}/v2/${name}/tags/list`);
    if (all.status !== 200) {
      res.writeHead(all.status, { 'content-type': 'application/json' });
      res.end(await all.text());
      return;
    }
    const body = (await all.json()) as { tags?: string[] | null };
    const requested = Number(url.searchParams.get('n') ?? pageSize);
    const n = Math.min(pageSize, requested > 0 ? requested : pageSize);
    const last = url.searchParams.get('last');
    const tags = [...(body.tags ?? [])]
      .sort()
      .filter(t => last === null || t > last);
    const page = tags.slice(0, n);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
    };
    if (tags.length > n) {
      const next = new URLSearchParams({ n: String(n), last: page[n - 1] });
      headers.link = `</v2/${name}/tags/list?${next}>; rel="next"`;
    }
    res.writeHead(200, headers);
    res.end(JSON.stringify({ name, tags: page }));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const match = req.method === 'GET' ? TAGS_LIST.exec(url.pathname) : null;
    if (!match) {
      forward(req, res);
      return;
    }
    servePage(res, match[1], url).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${address.port}`,
    get tagPageRequests() {
      return tagPageRequests;
    },
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
