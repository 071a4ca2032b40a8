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

import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import {
  AbortError,
  RegistryConnectionError,
  RegistryError,
  RegistryTimeoutError,
  isAbortError,
} from '../errors';
import { AgentPool } from './agents';
import {
  armRequestDeadlines,
  resolveTimeouts,
  timeoutError,
  watchResponseBody,
  watchUpload,
  type RegistryTimeouts,
} from './deadlines';
import { https } from './lazyHttps';
import {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  isRetryableError,
  isRetryableStatus,
  parseRetryAfter,
  sleep,
  type RetryEvent,
  type RetryPolicy,
} from './retry';
import { reportRetry } from './retryContext';
import { connectionError, describeRequest } from './networkErrors';

/** HTTP methods the registry protocol uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** Opens a request body; called again for every retry or redirect, so it must start from the beginning each time. */
export type BodyFactory = () => Promise<Readable>;

/** One logical request; the transport may send it several times (retries, redirects). */
export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  /** `Authorization` is only ever sent to `url`'s own host, never to a redirect target elsewhere. */
  headers?: OutgoingHttpHeaders;
  body?: Buffer | BodyFactory;
  signal?: AbortSignal;
  /** Retry on connection errors and transient statuses (default true). */
  retry?: boolean;
  /** Follow 301/302/303/307/308 (default true). */
  followRedirects?: boolean;
}

/** A response whose body has not been read yet: read it, pipe it, or {@link discardBody} it. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL that answered, after redirects. */
  url: URL;
  body: IncomingMessage;
}

/** Options of {@link HttpTransport}. */
export interface HttpTransportOptions {
  /** `host[:port]` entries that may be spoken to over plain http. */
  insecureHosts?: string[];
  userAgent?: string;
  retry?: Partial<RetryPolicy>;
  maxSocketsPerHost?: number;
  /** Deadlines of every request; defaults in {@link DEFAULT_REGISTRY_TIMEOUTS}. */
  timeouts?: Partial<RegistryTimeouts>;
  /** Receives every retry, in addition to the listener of the current copy. */
  onRetry?: (event: RetryEvent) => void;
}

const MAX_REDIRECTS = 10;

/** Default User-Agent, so registry operators can tell who is talking to them. */
export const DEFAULT_USER_AGENT = 'image-promotion/0.1 (+node)';

/** Reads a whole (small) body, refusing more than `maxBytes`. Never use for blobs. */
export async function readBody(
  response: HttpResponse,
  maxBytes: number,
): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.body.destroy();
    throw new RegistryError(
      `response of ${response.url.host} is ${declared} bytes, more than the ${maxBytes} accepted here`,
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes) {
      response.body.destroy();
      throw new RegistryError(
        `response of ${response.url.host} exceeds the ${maxBytes} bytes accepted here`,
      );
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Throws a response body away. Small bodies are drained so the socket goes
 * back to the keep-alive pool; big or unknown ones cost a reconnect instead of
 * downloading data nobody wants.
 */
export function discardBody(response: HttpResponse): void {
  const length = Number(response.headers['content-length']);
  // Even an empty or HEAD body must be read to its end: only then does the
  // socket go back to the agent, otherwise it sits idle until the timeout.
  if (
    response.body.complete ||
    (Number.isFinite(length) && length <= 64 * 1024)
  ) {
    response.body.resume();
  } else {
    response.body.destroy();
  }
}

function hostOf(url: URL): string {
  return url.host.toLowerCase();
}

/**
 * HTTP(S) over node:http with keep-alive agents, streaming bodies, retries
 * with backoff (honouring Retry-After) and manual redirects. It knows nothing
 * about registries or credentials beyond never forwarding `Authorization` to
 * another host.
 */
export class HttpTransport {
  private readonly agents: AgentPool;
  private readonly insecureHosts: Set<string>;
  private readonly userAgent: string;
  private readonly policy: RetryPolicy;
  /** The deadlines in effect. */
  readonly timeouts: RegistryTimeouts;
  private readonly onRetry?: (event: RetryEvent) => void;

  constructor(options: HttpTransportOptions = {}) {
    this.agents = new AgentPool({
      maxSocketsPerHost: options.maxSocketsPerHost,
    });
    this.insecureHosts = new Set(
      (options.insecureHosts ?? []).map(h => h.toLowerCase()),
    );
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.timeouts = resolveTimeouts(options.timeouts);
    this.onRetry = options.onRetry;
  }

  /** The retry policy in effect, for callers that retry whole multi-request operations. */
  get retryPolicy(): RetryPolicy {
    return this.policy;
  }

  /** Whether plain http is allowed for a `host[:port]`. */
  isInsecure(host: string): boolean {
    return this.insecureHosts.has(host.toLowerCase());
  }

  /** Base URL (`https://host` or, for insecure hosts, `http://host`) of a registry API host. */
  baseUrl(host: string): URL {
    return new URL(`${this.isInsecure(host) ? 'http' : 'https'}://${host}`);
  }

  /** Reports a retry to the transport listener and to the current operation's listener. */
  notifyRetry(event: RetryEvent): void {
    this.onRetry?.(event);
    reportRetry(event);
  }

  /** Sends a request, retrying and following redirects; resolves once response headers arrive. */
  async request(request: HttpRequest): Promise<HttpResponse> {
    const retry = request.retry ?? true;
    let stalls = 0;
    for (let attempt = 1; ; attempt++) {
      if (request.signal?.aborted) {
        throw new AbortError(undefined, { cause: request.signal.reason });
      }
      let response: HttpResponse;
      try {
        response = await this.followRedirects(request);
      } catch (error) {
        if (request.signal?.aborted || isAbortError(error)) {
          throw new AbortError(undefined, {
            cause: request.signal?.reason ?? error,
          });
        }
        // A registry that missed a deadline gets one more chance, not
        // maxAttempts: each attempt costs a whole timeout, and a stalled
        // registry must fail a copy within a minute.
        const stalled = error instanceof RegistryTimeoutError;
        if (stalled) stalls++;
        if (
          !retry ||
          attempt >= this.policy.maxAttempts ||
          (stalled
            ? stalls >= this.policy.maxStallAttempts
            : !isRetryableError(error))
        ) {
          throw error;
        }
        const delayMs = backoffDelay(attempt, this.policy);
        this.notifyRetry({
          attempt,
          delayMs,
          reason: retryReason(error),
          url: redact(request.url),
          registry: request.url.host,
          subject: describeRequest(request.method, request.url),
        });
        await sleep(delayMs, request.signal);
        continue;
      }
      if (
        !retry ||
        attempt >= this.policy.maxAttempts ||
        !isRetryableStatus(response.status)
      ) {
        return response;
      }
      const retryAfter = parseRetryAfter(
        headerValue(response.headers['retry-after']),
        this.policy.maxRetryAfterMs,
      );
      const delayMs = retryAfter ?? backoffDelay(attempt, this.policy);
      discardBody(response);
      this.notifyRetry({
        attempt,
        delayMs,
        reason: `HTTP ${response.status}`,
        url: redact(request.url),
        registry: request.url.host,
        subject: describeRequest(request.method, request.url),
      });
      await sleep(delayMs, request.signal);
    }
  }

  private async followRedirects(request: HttpRequest): Promise<HttpResponse> {
    const originHost = hostOf(request.url);
    const originInsecure = request.url.protocol === 'http:';
    let url = request.url;
    let method = request.method;
    let body = request.body;
    let headers: OutgoingHttpHeaders = { ...request.headers };
    for (let hops = 0; ; hops++) {
      this.assertSchemeAllowed(url, originInsecure);
      const response = await this.send(
        method,
        url,
        headers,
        body,
        request.signal,
      );
      const location = headerValue(response.headers.location);
      if (
        request.followRedirects === false ||
        ![301, 302, 303, 307, 308].includes(response.status) ||
        !location
      ) {
        return response;
      }
      discardBody(response);
      if (hops >= MAX_REDIRECTS) {
        throw new RegistryError(
          `too many redirects starting at ${redact(request.url)}`,
          { registry: originHost },
        );
      }
      url = new URL(location, url);
      if (
        response.status === 303 ||
        (response.status !== 307 &&
          response.status !== 308 &&
          method === 'POST')
      ) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
        headers = withoutHeaders(headers, ['content-length', 'content-type']);
      }
      if (hostOf(url) !== originHost) {
        // Blob downloads redirect to object storage with a pre-signed URL: our
        // registry credentials must not travel there (and would break the signature).
        headers = withoutHeaders(headers, ['authorization']);
      }
    }
  }

  private assertSchemeAllowed(url: URL, originInsecure: boolean): void {
    if (url.protocol === 'https:') return;
    if (
      url.protocol === 'http:' &&
      (originInsecure || this.isInsecure(url.host))
    ) {
      return;
    }
    throw new RegistryError(
      `refusing plain ${url.protocol} to ${url.host}: add it to the insecure registries if it really has no TLS`,
      { registry: url.host },
    );
  }

  private send(
    method: HttpMethod,
    url: URL,
    headers: OutgoingHttpHeaders,
    body: Buffer | BodyFactory | undefined,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    const requestHeaders: OutgoingHttpHeaders = {
      'user-agent': this.userAgent,
      ...headers,
    };
    if (Buffer.isBuffer(body)) requestHeaders['content-length'] = body.length;
    const secure = url.protocol === 'https:';
    const mod = secure ? https() : http;
    const { idleMs } = this.timeouts;
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      let bodyError: Error | undefined;
      let bodySource: Readable | undefined;
      let bodyDone = body === undefined || Buffer.isBuffer(body);
      let sent = Buffer.isBuffer(body) ? body.length : 0;
      const declaredLength = Number(requestHeaders['content-length']);
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      const req = mod.request(url, {
        method,
        headers: requestHeaders,
        agent: this.agents.get(url),
        signal,
      });
      armRequestDeadlines(req, {
        timeouts: this.timeouts,
        secure,
        sentBytes: () => sent,
        onTimeout: (phase, ms) =>
          req.destroy(timeoutError(phase, ms, method, url)),
      });
      req.on('error', error =>
        fail(
          bodyError ??
            (connectionError(
              error,
              method,
              url,
              bodyDone
                ? undefined
                : {
                    direction: 'sent',
                    bytes: sent,
                    total: Number.isFinite(declaredLength)
                      ? declaredLength
                      : undefined,
                  },
            ) as Error),
        ),
      );
      req.on('response', res => {
        if (settled) {
          res.destroy();
          return;
        }
        settled = true;
        if (!bodyDone && (res.statusCode ?? 0) >= 300) {
          // The server answered before taking the whole body (401, 413, ...):
          // stop streaming, the connection cannot be reused anyway.
          bodySource?.destroy();
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          url,
          body: this.watchBody(res, method, url),
        });
      });
      if (body === undefined) {
        req.end();
      } else if (Buffer.isBuffer(body)) {
        req.end(body);
      } else {
        body().then(
          source => {
            bodySource = source;
            source.on('data', (chunk: Buffer) => {
              sent += chunk.length;
            });
            const stopWatch = watchUpload(req, idleMs, () =>
              req.destroy(
                timeoutError('upload', idleMs, method, url, {
                  transferred: sent,
                  total: Number.isFinite(declaredLength)
                    ? declaredLength
                    : undefined,
                }),
              ),
            );
            pipeline(source, req, error => {
              bodyDone = true;
              stopWatch();
              if (error) {
                bodyError = error;
                // Destroying before end() means the request body is never
                // completed, so the server cannot commit it.
                req.destroy(error);
                fail(error);
              }
            });
          },
          (error: Error) => {
            bodyError = error;
            req.destroy(error);
            fail(error);
          },
        );
      }
    });
  }

  /**
   * Arms the idle deadline of a response body and makes its errors name the
   * registry, the blob or manifest and the bytes received: Node reports a
   * connection cut mid-body as a bare `aborted`.
   */
  private watchBody(
    res: IncomingMessage,
    method: HttpMethod,
    url: URL,
  ): IncomingMessage {
    const declared = Number(res.headers['content-length']);
    const total = Number.isFinite(declared) ? declared : undefined;
    const { idleMs } = this.timeouts;
    const watch = watchResponseBody(res, idleMs, received =>
      res.destroy(
        timeoutError('idle', idleMs, method, url, {
          transferred: received,
          total,
        }),
      ),
    );
    const destroy = res.destroy.bind(res);
    // Node destroys the message itself when the socket closes early; this is
    // the one place that sees that error before any consumer does.
    res.destroy = ((error?: Error) =>
      destroy(
        error === undefined
          ? undefined
          : (connectionError(error, method, url, {
              direction: 'received',
              bytes: watch.received(),
              total,
            }) as Error),
      )) as typeof res.destroy;
    return res;
  }

  /** Closes all pooled connections. */
  close(): void {
    this.agents.destroy();
  }
}

/** First value of a header that may be repeated. */
export function headerValue(
  value: string | string[] | undefined,
): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function withoutHeaders(
  headers: OutgoingHttpHeaders,
  names: string[],
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (!names.includes(key.toLowerCase())) out[key] = value;
  }
  return out;
}

/** The short reason of a retry line: what went wrong, without the whole message. */
function retryReason(error: unknown): string {
  if (error instanceof RegistryConnectionError) return error.reason;
  if (error instanceof RegistryTimeoutError) {
    return error.phase === 'connect'
      ? `no connection within ${error.timeoutMs / 1000} s`
      : `no answer within ${error.timeoutMs / 1000} s`;
  }
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** A URL safe to show: pre-signed query strings and userinfo carry secrets. */
export function redact(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
