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
  RegistryConnectionError,
  RegistryError,
  isAbortError,
} from '../errors';

/**
 * What a request is about, in the user's terms: `blob sha256:… of team/app`,
 * `manifest team/app:1.0.0`. Socket errors only know an address; this is what
 * turns them into a message that says which registry failed at what.
 */
export function describeRequest(method: string, url: URL): string {
  const path = decodeSafely(url.pathname);
  const match = /^\/v2\/(.+)\/(manifests|blobs|tags|referrers)\/(.*)$/.exec(
    path,
  );
  if (!match) {
    return path === '/v2/' || path === '/v2'
      ? 'the API check (/v2/)'
      : `${method} ${url.pathname}`;
  }
  const [, repository, kind, rest] = match;
  switch (kind) {
    case 'manifests': {
      const name = rest.includes(':')
        ? `${repository}@${rest}`
        : `${repository}:${rest}`;
      return method === 'PUT'
        ? `the push of manifest ${name}`
        : `manifest ${name}`;
    }
    case 'blobs': {
      if (rest.startsWith('uploads')) {
        const digest =
          url.searchParams.get('digest') ?? url.searchParams.get('mount');
        return digest
          ? `the upload of blob ${digest} to ${repository}`
          : `a blob upload to ${repository}`;
      }
      return `blob ${rest} of ${repository}`;
    }
    case 'tags':
      return `the tag list of ${repository}`;
    default:
      return `the referrers of ${repository}@${rest}`;
  }
}

function decodeSafely(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** `registry host:port`, or `server host:port` for non-registry endpoints (token services). */
export function whoIs(url: URL): string {
  return url.pathname.startsWith('/v2')
    ? `registry ${url.host}`
    : `${url.host}`;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const UNREACHABLE_CODES = new Set(['ENETUNREACH', 'EHOSTUNREACH']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME']);

/** Body progress when a connection broke while reading or sending a body. */
export interface BodyProgress {
  direction: 'received' | 'sent';
  bytes: number;
  /** Declared length, when known. */
  total?: number;
}

/**
 * Turns a socket-level error into a {@link RegistryConnectionError} that names
 * the registry and what was being transferred. Errors that already speak in
 * registry terms, aborts and errors this module does not know pass unchanged.
 */
export function connectionError(
  error: unknown,
  method: string,
  url: URL,
  progress?: BodyProgress,
): unknown {
  if (
    typeof error !== 'object' ||
    error === null ||
    error instanceof RegistryError ||
    isAbortError(error)
  ) {
    return error;
  }
  const raw = error as NodeJS.ErrnoException;
  let code = typeof raw.code === 'string' ? raw.code : undefined;
  if (!code && /socket hang up|^aborted$/i.test(raw.message ?? '')) {
    code = 'ECONNRESET';
  }
  if (!code) return error;
  const who = whoIs(url);
  const what = describeRequest(method, url);
  let message: string;
  let reason: string;
  if (code === 'ECONNREFUSED') {
    reason = 'connection refused';
    message = `${who} refused the connection (${what}): check that it is running and listens on port ${portOf(
      url,
    )}, and that the registry address is right`;
  } else if (DNS_CODES.has(code)) {
    reason = `host name not resolved (${code})`;
    message = `${who}: the host name ${url.hostname} could not be resolved (${code}) for ${what}: check the registry name and this machine's DNS`;
  } else if (UNREACHABLE_CODES.has(code)) {
    reason = `network unreachable (${code})`;
    message = `${who} is unreachable from here (${code}) for ${what}: check the network route, proxy and firewall`;
  } else if (RESET_CODES.has(code)) {
    const bytes = progress
      ? ` after ${progress.bytes}${
          progress.total !== undefined ? ` of ${progress.total}` : ''
        } bytes ${progress.direction}`
      : '';
    reason = `connection closed${bytes}`;
    message = `${who} closed the connection during ${what}${bytes} (${code}): the registry or a proxy in between dropped it; check their logs and limits (body size, timeouts)`;
  } else {
    return error;
  }
  return new RegistryConnectionError(message, {
    registry: url.host,
    code,
    reason,
    bytesReceived:
      progress?.direction === 'received' ? progress.bytes : undefined,
    cause: error,
  });
}

function portOf(url: URL): string {
  if (url.port) return url.port;
  return url.protocol === 'https:' ? '443' : '80';
}
