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
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
  request as httpRequest,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';

/** A request as fault rules see it. */
export interface ProxyRequestInfo {
  method: string;
  /** Path and query, e.g. `/v2/team/app/blobs/sha256:...`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** 1-based number of this request since the proxy started (or was reset). */
  sequence: number;
}

/** What to do to a matching request. */
export type Fault =
  /** Answer with this status instead of forwarding (e.g. 500, 503, 429). */
  | { kind: 'status'; status: number; retryAfterSeconds?: number }
  /** Forward, then cut the connection after this many bytes of the response body. */
  | { kind: 'drop'; afterBytes: number }
  /** Close the connection without any answer. */
  | { kind: 'reset' }
  /** Wait, then forward. */
  | { kind: 'delay'; ms: number }
  /**
   * Accept the request and never answer: no status, no headers, the
   * connection stays open until the client gives up (a registry whose
   * process is wedged, or a load balancer with no healthy backend).
   */
  | { kind: 'hang' }
  /**
   * Forward, send the status, headers and the first `afterBytes` bytes of the
   * body, then go silent with the connection still open (a registry whose
   * storage backend stopped answering mid-blob).
   */
  | { kind: 'stall'; afterBytes: number }
  /** Forward, but answer with these response headers replaced (a registry that lies, e.g. about a digest). */
  | { kind: 'headers'; set: Record<string, string> };

/** A fault injected into requests matching a predicate. */
export interface FaultRule {
  /** Shown in the log; defaults to the fault kind. */
  name?: string;
  match: (request: ProxyRequestInfo) => boolean;
  fault: Fault;
  /** Let this many matching requests through before faulting (default 0). */
  skip?: number;
  /** How many matching requests to fault (default 1; `Infinity` for all). */
  times?: number;
}

/** Live counters of a rule added to the proxy. */
export interface FaultRuleState {
  readonly rule: FaultRule;
  /** Matching requests seen. */
  readonly matched: number;
  /** Faults actually injected. */
  readonly injected: number;
}

/** One proxied request. */
export interface ProxyLogEntry {
  method: string;
  path: string;
  /** Status sent to the client (undefined when the connection was cut first). */
  status?: number;
  /** Name of the rule whose fault hit this request. */
  fault?: string;
}

/** A reverse proxy in front of a registry that injects faults. */
export interface FaultProxy {
  /** `127.0.0.1:PORT`: use it as the registry host. */
  host: string;
  port: number;
  url: string;
  addRule(rule: FaultRule): FaultRuleState;
  clearRules(): void;
  /** Requests seen and faults injected since start or {@link FaultProxy.reset}. */
  readonly stats: { requests: number; faults: number };
  readonly log: ProxyLogEntry[];
  /** Clears rules, counters and the log. */
  reset(): void;
  stop(): Promise<void>;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  rules?: FaultRule[];
}

const BLOB_PATH = /^\/v2\/.+\/blobs\/sha256:[0-9a-f]{64}(\?.*)?$/;
const UPLOAD_PATH = /^\/v2\/.+\/blobs\/uploads\//;
const MANIFEST_PATH = /^\/v2\/.+\/manifests\/[^/]+$/;

/** Predicate: a blob download (GET, not HEAD). */
export const isBlobGet = (request: ProxyRequestInfo): boolean =>
  request.method === 'GET' && BLOB_PATH.test(request.path);

/** Predicate: any request of a blob upload session (POST, PATCH, PUT). */
export const isBlobUpload = (request: ProxyRequestInfo): boolean =>
  UPLOAD_PATH.test(request.path) && request.method !== 'GET';

/** Predicate: a manifest upload. */
export const isManifestPut = (request: ProxyRequestInfo): boolean =>
  request.method === 'PUT' && MANIFEST_PATH.test(request.path);

/** Predicate: every request. */
export const isAnyRequest = (): boolean => true;

/** Predicate: a manifest GET or HEAD. */
export const isManifestRead = (request: ProxyRequestInfo): boolean =>
  (request.method === 'GET' || request.method === 'HEAD') &&
  MANIFEST_PATH.test(request.path);

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

function forwardableHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) {
      out[name] = value;
    }
  }
  return out;
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise(resolve => {
    if (req.complete) {
      resolve();
      return;
    }
    req.on('end', () => resolve());
    req.on('close', () => resolve());
    req.resume();
  });
}

interface RuleEntry {
  rule: FaultRule;
  matched: number;
  injected: number;
}

/**
 * Starts a reverse proxy to `upstream` (`host:port`) on a free loopback port.
 * Upload `Location` headers are rewritten so clients stay on the proxy.
 */
export async function startFaultProxy(
  upstream: string,
  options: FaultProxyOptions = {},
): Promise<FaultProxy> {
  const [upstreamHost, upstreamPortText] = upstream.split(':');
  const upstreamPort = Number(upstreamPortText ?? 80);
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  let rules: RuleEntry[] = [];
  const stats = { requests: 0, faults: 0 };
  const log: ProxyLogEntry[] = [];
  let proxyOrigin = '';

  const addRule = (rule: FaultRule): FaultRuleState => {
    const entry: RuleEntry = { rule, matched: 0, injected: 0 };
    rules.push(entry);
    return {
      rule,
      get matched() {
        return entry.matched;
      },
      get injected() {
        return entry.injected;
      },
    };
  };
  for (const rule of options.rules ?? []) {
    addRule(rule);
  }

  const pickFault = (info: ProxyRequestInfo): RuleEntry | undefined => {
    for (const entry of rules) {
      if (!entry.rule.match(info)) {
        continue;
      }
      entry.matched += 1;
      const skip = entry.rule.skip ?? 0;
      const times = entry.rule.times ?? 1;
      if (entry.matched > skip && entry.injected < times) {
        entry.injected += 1;
        return entry;
      }
    }
    return undefined;
  };

  const rewriteLocation = (location: string): string => {
    for (const prefix of [
      `http://${upstream}`,
      `http://localhost:${upstreamPort}`,
    ]) {
      if (location.startsWith(prefix)) {
        return proxyOrigin + location.slice(prefix.length);
      }
    }
    return location;
  };

  const forward = (
    req: IncomingMessage,
    res: ServerResponse,
    entry: ProxyLogEntry,
    cut?: { afterBytes: number; mode: 'drop' | 'stall' },
    overrides?: Record<string, string>,
  ) => {
    const upstreamReq = httpRequest({
      host: upstreamHost,
      port: upstreamPort,
      method: req.method,
      path: req.url,
      // The Host header stays the proxy's, so the registry builds URLs for it.
      headers: forwardableHeaders(req.headers),
      agent,
    });
    res.on('close', () => {
      if (!res.writableFinished) {
        upstreamReq.destroy();
      }
    });
    upstreamReq.on('error', () => {
      if (!res.headersSent) {
        entry.status = 502;
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('fault proxy: upstream error');
      } else {
        res.destroy();
      }
    });
    upstreamReq.on('response', upstreamRes => {
      const headers = forwardableHeaders(upstreamRes.headers);
      const location = upstreamRes.headers.location;
      if (location) {
        headers.location = rewriteLocation(location);
      }
      for (const [name, value] of Object.entries(overrides ?? {})) {
        headers[name.toLowerCase()] = value;
      }
      const status = upstreamRes.statusCode ?? 502;
      entry.status = status;
      res.writeHead(status, headers);
      if (cut === undefined) {
        upstreamRes.pipe(res);
        return;
      }
      const dropAfter = cut.afterBytes;
      let sent = 0;
      let stopped = false;
      upstreamRes.on('data', (chunk: Buffer) => {
        if (res.destroyed || stopped) {
          return;
        }
        if (sent + chunk.length <= dropAfter) {
          sent += chunk.length;
          res.write(chunk);
          return;
        }
        const part = chunk.subarray(0, dropAfter - sent);
        sent += part.length;
        stopped = true;
        if (cut.mode === 'stall') {
          // Keep the connection open and say nothing more: the client has to
          // notice the silence by itself. The rest of the upstream body is
          // read and dropped so the registry behind stays healthy.
          res.write(part);
          return;
        }
        entry.status = undefined;
        res.write(part, () => {
          res.socket?.destroy();
        });
        upstreamRes.destroy();
      });
      upstreamRes.on('end', () => {
        if (!res.destroyed && !stopped) {
          res.end();
        }
      });
    });
    req.pipe(upstreamReq);
  };

  const server = createServer((req, res) => {
    stats.requests += 1;
    const info: ProxyRequestInfo = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      sequence: stats.requests,
    };
    const entry: ProxyLogEntry = { method: info.method, path: info.path };
    log.push(entry);
    const hit = pickFault(info);
    if (!hit) {
      forward(req, res, entry);
      return;
    }
    stats.faults += 1;
    const fault = hit.rule.fault;
    entry.fault = hit.rule.name ?? fault.kind;
    switch (fault.kind) {
      case 'status': {
        drain(req).then(() => {
          const body = JSON.stringify({
            errors: [
              {
                code: fault.status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE',
                message: `fault proxy injected ${fault.status}`,
              },
            ],
          });
          const headers: OutgoingHttpHeaders = {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          };
          if (fault.retryAfterSeconds !== undefined) {
            headers['retry-after'] = String(fault.retryAfterSeconds);
          }
          entry.status = fault.status;
          res.writeHead(fault.status, headers);
          res.end(body);
        });
        return;
      }
      case 'reset':
        req.socket.destroy();
        return;
      case 'delay': {
        const timer = setTimeout(() => forward(req, res, entry), fault.ms);
        // A client that gives up (or a proxy that stops) ends the wait.
        res.once('close', () => clearTimeout(timer));
        return;
      }
      case 'drop':
        forward(req, res, entry, {
          afterBytes: fault.afterBytes,
          mode: 'drop',
        });
        return;
      case 'stall':
        forward(req, res, entry, {
          afterBytes: fault.afterBytes,
          mode: 'stall',
        });
        return;
      case 'headers':
        forward(req, res, entry, undefined, fault.set);
        return;
      case 'hang':
        // Read the request (so the client is not blocked sending it), answer nothing.
        req.resume();
        return;
      default:
        res.writeHead(500);
        res.end();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  proxyOrigin = `http://127.0.0.1:${port}`;

  let stopped = false;
  return {
    host: `127.0.0.1:${port}`,
    port,
    url: proxyOrigin,
    addRule,
    clearRules() {
      rules = [];
    },
    stats,
    log,
    reset() {
      rules = [];
      stats.requests = 0;
      stats.faults = 0;
      log.length = 0;
    },
    async stop() {
      if (stopped) {
        return;
      }
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
