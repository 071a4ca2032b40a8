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

/** What an error was about; every field is optional because not every failure has all of them. */
export interface RegistryErrorContext {
  /** Registry host (`host[:port]`) or `oci-layout`. */
  registry?: string;
  repository?: string;
  /** Tag or digest the operation was about. */
  reference?: string;
  /** HTTP status the registry answered with. */
  status?: number;
  /** First error code of the registry's JSON error body, e.g. `MANIFEST_UNKNOWN`, `DENIED`. */
  code?: string;
  /** All entries of the registry's JSON error body. */
  details?: Array<{ code: string; message: string }>;
  cause?: unknown;
}

/** Any failure talking to a registry or an OCI layout. Messages never contain credentials. */
export class RegistryError extends Error {
  readonly registry?: string;
  readonly repository?: string;
  readonly reference?: string;
  readonly status?: number;
  readonly code?: string;
  readonly details: Array<{ code: string; message: string }>;

  constructor(message: string, context: RegistryErrorContext = {}) {
    super(
      message,
      context.cause === undefined ? undefined : { cause: context.cause },
    );
    this.name = 'RegistryError';
    this.registry = context.registry;
    this.repository = context.repository;
    this.reference = context.reference;
    this.status = context.status;
    this.code = context.code;
    this.details = context.details ?? [];
  }
}

/** The manifest, blob, tag or repository does not exist. */
export class NotFoundError extends RegistryError {
  constructor(message: string, context: RegistryErrorContext = {}) {
    super(message, context);
    this.name = 'NotFoundError';
  }
}

/** The registry refused our credentials (401) or refused the operation for them (403). */
export class AuthenticationError extends RegistryError {
  /** True when the message is {@link AuthenticationError.forHost}'s generic hint, which a caller may re-issue naming the credential source. */
  credentialHint = false;

  constructor(message: string, context: RegistryErrorContext = {}) {
    super(message, context);
    this.name = 'AuthenticationError';
  }

  /**
   * Standard error for a host whose credentials were rejected or missing.
   * `credentialSource` says where they came from (`docker config
   * /root/.docker/config.json`, `app-config imagePromotion.registries.qa.credentials`),
   * so the hint points at the place to fix.
   */
  static forHost(
    host: string,
    context: RegistryErrorContext = {},
    credentialSource?: string,
  ): AuthenticationError {
    const hint =
      context.status === 403
        ? `the credentials for ${host} are valid but not allowed to do this: check their pull/push permissions on ${
            context.repository ?? 'the repository'
          }`
        : `check the username/password for ${host} in ${
            credentialSource ?? 'your docker config'
          }${
            context.repository
              ? ` (some registries also answer this way for ${context.repository} when it does not exist or is not yours to read)`
              : ''
          }`;
    const error = new AuthenticationError(
      `authentication to ${host} failed: ${hint}${
        context.code ? ` (${context.code})` : ''
      }`,
      { ...context, registry: host },
    );
    error.credentialHint = true;
    return error;
  }
}

/** The target tag exists with another digest and the copy was asked not to move it. */
export class ImmutableTagError extends RegistryError {
  readonly existingDigest: string;
  readonly requestedDigest: string;

  constructor(options: {
    location: string;
    tag: string;
    existingDigest: string;
    requestedDigest: string;
    registry?: string;
    repository?: string;
  }) {
    super(
      `tag ${options.tag} of ${options.location} already points to ${options.existingDigest}; refusing to move it to ${options.requestedDigest} (immutable tags). Promote under a new tag or allow overwriting the tag.`,
      {
        registry: options.registry,
        repository: options.repository,
        reference: options.tag,
        code: 'TAG_IMMUTABLE',
      },
    );
    this.name = 'ImmutableTagError';
    this.existingDigest = options.existingDigest;
    this.requestedDigest = options.requestedDigest;
  }
}

/** Content did not hash to (or did not have the size of) the digest it was fetched or stored under. */
export class DigestMismatchError extends RegistryError {
  readonly expected: string;
  readonly actual: string;

  constructor(
    what: string,
    expected: string,
    actual: string,
    context: RegistryErrorContext = {},
  ) {
    super(
      `${what}: expected ${expected} but got ${actual}; the content was corrupted in transit or the store is inconsistent, nothing was committed for it`,
      { code: 'DIGEST_INVALID', ...context },
    );
    this.name = 'DigestMismatchError';
    this.expected = expected;
    this.actual = actual;
  }
}

/** A manifest or reference this engine cannot handle (e.g. Docker schema 1). */
export class UnsupportedError extends RegistryError {
  constructor(message: string, context: RegistryErrorContext = {}) {
    super(message, context);
    this.name = 'UnsupportedError';
  }
}

/** Which deadline a registry missed. */
export type TimeoutPhase =
  /** No TCP (and TLS) connection within the connect timeout. */
  | 'connect'
  /** Connected and asked, but no response headers within the response timeout. */
  | 'response'
  /** A response body stopped arriving: no bytes for the idle timeout. */
  | 'idle'
  /** An upload stopped being accepted: no bytes taken for the idle timeout. */
  | 'upload';

/**
 * A registry missed a deadline: it did not connect, did not answer or stopped
 * sending or receiving. The message names the registry, what was being
 * transferred and what to check. `code` is `TIMEOUT`.
 */
export class RegistryTimeoutError extends RegistryError {
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;

  constructor(
    message: string,
    context: RegistryErrorContext & { phase: TimeoutPhase; timeoutMs: number },
  ) {
    super(message, { ...context, code: 'TIMEOUT' });
    this.name = 'RegistryTimeoutError';
    this.phase = context.phase;
    this.timeoutMs = context.timeoutMs;
  }
}

/**
 * A connection to a registry failed: refused, reset, closed mid-body, host
 * not found. `code` is the system error code (`ECONNREFUSED`,
 * `ECONNRESET`, ...), so retry logic can classify it like the raw error.
 */
export class RegistryConnectionError extends RegistryError {
  /** Short reason for retry lines, e.g. `connection reset after 1000 of 5000 bytes`. */
  readonly reason: string;
  /** Body bytes received before the connection broke, when a body was being read. */
  readonly bytesReceived?: number;

  constructor(
    message: string,
    context: RegistryErrorContext & {
      code: string;
      reason: string;
      bytesReceived?: number;
    },
  ) {
    super(message, context);
    this.name = 'RegistryConnectionError';
    this.reason = context.reason;
    this.bytesReceived = context.bytesReceived;
  }
}

/** The operation was cancelled through its AbortSignal. `name` is `AbortError` like the DOM one. */
export class AbortError extends Error {
  constructor(
    message = 'the operation was aborted',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** Throws an {@link AbortError} when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AbortError(undefined, { cause: signal.reason });
  }
}

/** Whether an error is an abort, ours or Node's. */
export function isAbortError(error: unknown): boolean {
  // Duck-typed: Node's own AbortError may come from another realm (test sandboxes).
  if (typeof error !== 'object' || error === null) return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'AbortError' || code === 'ABORT_ERR';
}
