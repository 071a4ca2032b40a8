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
  AuthenticationError,
  isAbortError,
  RegistryConnectionError,
  RegistryError,
  RegistryTimeoutError,
} from '@image-promotion/plugin-image-promotion-node';
import type { Environment, RegistryEndpoint } from '../domain/types';

/**
 * A registry failed, or did not answer in time, while work depended on it.
 * The message names the environment and the registry; the API answers it
 * with `status` (502, or 504 for a deadline).
 */
export class RegistryUnavailableError extends Error {
  readonly status: 502 | 504;

  constructor(
    message: string,
    /** What went wrong: the registry is unreachable or silent, or it answered with a failure. */
    readonly kind: 'timeout' | 'connection' | 'credentials' | 'registry',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = kind === 'timeout' ? 504 : 502;
    this.name =
      kind === 'timeout' ? 'RegistryTimeoutError' : 'RegistryUnavailableError';
  }
}

/** The caller of an API request went away; its work was stopped and nothing was created. */
export class CallerGoneError extends Error {
  constructor() {
    super('the caller closed the connection; the request was abandoned');
    this.name = 'CallerGoneError';
  }
}

/** Where a registry call went, for messages. */
export interface RegistryPlace {
  environment: Pick<Environment, 'id' | 'registry'>;
  endpoint?: RegistryEndpoint;
  /** Where the backend's credentials for this registry come from, e.g. `app-config imagePromotion.registries.dev.credentials`. */
  credentialSource?: string;
}

/** "the qa registry at localhost:5002", or with the registry's name when it differs from the environment's. */
export function describeRegistry(place: RegistryPlace): string {
  const { environment, endpoint } = place;
  const name =
    environment.registry === environment.id ? '' : ` "${environment.registry}"`;
  if (!endpoint) return `the ${environment.id} registry${name}`;
  if (endpoint.type === 'oci-layout') {
    return `the ${environment.id} registry${name} (OCI layout ${endpoint.directory})`;
  }
  return `the ${environment.id} registry${name} at ${endpoint.host}`;
}

/** Network-level codes, with what they mean to the person reading the message. */
const CONNECTION_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'refused the connection; check that it is running',
  ENOTFOUND: 'has a host name that does not resolve; check its url',
  EAI_AGAIN:
    'could not be looked up in DNS (a temporary failure); check the DNS of the backend',
  ECONNRESET:
    'closed the connection in the middle of a request; check its logs and any proxy in between',
  EPIPE:
    'closed the connection in the middle of a request; check its logs and any proxy in between',
  ECONNABORTED: 'aborted the connection',
  EHOSTUNREACH: 'is not reachable from the backend (no route to host)',
  ENETUNREACH: 'is not reachable from the backend (network unreachable)',
  EACCES: 'cannot be read by the backend (permission denied)',
  EPERM: 'cannot be read by the backend (permission denied)',
};

const TIMEOUT_CODES = new Set([
  // The engine's RegistryTimeoutError: a connect, response or idle deadline.
  'TIMEOUT',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The first network error code in an error, its causes, or (Happy Eyeballs) its aggregated errors. */
export function networkCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) {
    return undefined;
  }
  const { code, cause, errors } = error as {
    code?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (
    typeof code === 'string' &&
    (code in CONNECTION_PROBLEMS ||
      TIMEOUT_CODES.has(code) ||
      /^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|EPROTO|ERR_SSL)/.test(
        code,
      ))
  ) {
    return code;
  }
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = networkCode(inner, depth + 1);
      if (found) return found;
    }
  }
  return networkCode(cause, depth + 1);
}

/** Whether a signal fired because its deadline passed (AbortSignal.timeout), not because someone cancelled. */
export function isDeadline(signal: AbortSignal | undefined): boolean {
  const reason: unknown = signal?.reason;
  return (
    typeof reason === 'object' &&
    reason !== null &&
    (reason as { name?: unknown }).name === 'TimeoutError'
  );
}

/** Options of {@link registryFailure}. */
export interface RegistryFailureContext extends RegistryPlace {
  /** What was being done, e.g. `looking up tag 1.0.0`. */
  action: string;
  /** The signal the call ran under: its deadline or its caller going away explain an abort. */
  signal?: AbortSignal;
  /** The deadline of `signal`, for the message. */
  deadlineMs?: number;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** What the engine's RegistryTimeoutError says happened, in a few words. */
function timeoutPhrase(error: unknown): string {
  const { phase, timeoutMs } = error as {
    phase?: unknown;
    timeoutMs?: unknown;
  };
  const within =
    typeof timeoutMs === 'number' ? ` within ${seconds(timeoutMs)}` : '';
  switch (phase) {
    case 'connect':
      return `did not accept a connection${within}`;
    case 'response':
      return `accepted the connection but did not answer${within}`;
    case 'idle':
      return `stopped sending data (nothing arrived${within})`;
    case 'upload':
      return `stopped accepting data (nothing taken${within})`;
    default:
      return `did not answer in time`;
  }
}

/**
 * Turns what a registry call threw into an error in the user's terms: which
 * environment, which registry, what happened and what to check. Errors that
 * are not about a registry (a bug, the database) come back unchanged.
 */
export function registryFailure(
  error: unknown,
  context: RegistryFailureContext,
): Error {
  const where = describeRegistry(context);
  const { action, signal } = context;
  if (error instanceof RegistryUnavailableError) return error;
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    // Given up on for this tracking run after an earlier failure.
    if (reason instanceof RegistryUnavailableError) return reason;
    if (reason instanceof CallerGoneError) return reason;
    if (isDeadline(signal)) {
      return new RegistryUnavailableError(
        `${where} did not answer within ${
          context.deadlineMs !== undefined
            ? seconds(context.deadlineMs)
            : 'its deadline'
        } while ${action}; check that it is up and reachable from the backend`,
        'timeout',
        { cause: error },
      );
    }
    if (isAbortError(error)) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }
  // The engine's deadline and connection errors already say what was being
  // transferred, how far it got and what to check; they only need the
  // environment in place of the bare address.
  if (
    error instanceof RegistryTimeoutError ||
    error instanceof RegistryConnectionError
  ) {
    const prefix = `registry ${error.registry}`;
    if (error.registry && error.message.startsWith(prefix)) {
      return new RegistryUnavailableError(
        `${where}${error.message.slice(prefix.length)}`,
        error instanceof RegistryTimeoutError ? 'timeout' : 'connection',
        { cause: error },
      );
    }
  }
  const code = networkCode(error);
  if (code && TIMEOUT_CODES.has(code)) {
    return new RegistryUnavailableError(
      `${where} ${
        code === 'TIMEOUT'
          ? timeoutPhrase(error)
          : `stopped answering (${code})`
      } while ${action}; check that it is up and reachable from the backend`,
      'timeout',
      { cause: error },
    );
  }
  if (code && CONNECTION_PROBLEMS[code]) {
    return new RegistryUnavailableError(
      `${where} ${CONNECTION_PROBLEMS[code]} (while ${action})`,
      'connection',
      { cause: error },
    );
  }
  if (code) {
    return new RegistryUnavailableError(
      `${where} failed the TLS handshake while ${action} (${code}); check its certificate, or mark it insecure if it serves plain http`,
      'connection',
      { cause: error },
    );
  }
  if (error instanceof AuthenticationError) {
    // The engine's message names the app-config key already (RegistryAccess
    // hands it the credential source of every registry).
    return new RegistryUnavailableError(
      `${where} refused the backend's credentials while ${action}: ${error.message}`,
      'credentials',
      { cause: error },
    );
  }
  if (error instanceof RegistryError) {
    return new RegistryUnavailableError(
      `${where} failed while ${action}: ${error.message}`,
      'registry',
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** Which of a copy's two registries an engine error is about, when it says (its `registry` is a host). */
function failedSide(
  error: unknown,
  source: RegistryPlace,
  target: RegistryPlace,
): RegistryPlace | undefined {
  const host = (error as { registry?: unknown })?.registry;
  if (typeof host !== 'string') return undefined;
  const matches = [source, target].filter(
    place =>
      place.endpoint?.type === 'registry' &&
      place.endpoint.host.toLowerCase() === host.toLowerCase(),
  );
  // One registry serving both environments: the error cannot tell which.
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * The reason a copy between two environments failed, naming the environment
 * and registry at fault when the error tells which, else both.
 */
export function copyFailureReason(
  error: unknown,
  context: { source: RegistryPlace; target: RegistryPlace; action: string },
): string {
  const { source, target, action } = context;
  const side = failedSide(error, source, target);
  if (side) {
    return registryFailure(error, { ...side, action }).message;
  }
  const translated = registryFailure(error, { ...target, action });
  if (translated instanceof RegistryUnavailableError) {
    // The message names the target; say that the source may be the one.
    return `${action} failed between ${describeRegistry(
      source,
    )} and ${describeRegistry(target)}: ${
      (error as Error)?.message ?? String(error)
    }`;
  }
  return translated.message;
}
