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

import path from 'node:path';
import {
  InvalidImageReferenceError,
  parseImageReference,
} from '@image-promotion/plugin-image-promotion-common';
import type { CredentialProvider } from '../auth/credentials';
import { isDigest } from '../digest';
import type { ImageRepository } from '../engine/types';
import { OciLayoutRepository } from '../layout/OciLayoutRepository';
import { redactCredentials } from '../redact';
import {
  normalizePathPrefix,
  RegistryClient,
} from '../registry/RegistryClient';
import type { RegistryTimeouts } from '../transport/deadlines';

/** Prefix of layout references: `oci-layout:/path/to/dir[:tag|@digest]`. */
export const OCI_LAYOUT_PREFIX = 'oci-layout:';

/** Options of {@link openImageRepository}. */
export interface OpenImageRepositoryOptions {
  credentials?: CredentialProvider;
  /** `host[:port]` of registries spoken to over plain http. */
  insecureRegistries?: string[];
  /**
   * `host[:port]/path` of registries whose `/v2/` API lives under `/path`
   * (Artifactory's `/artifactory/api/docker/<repo>`, Nexus's
   * `/repository/<repo>`): a reference starting with one of them names a
   * repository of that registry, e.g. `host/path/team/app:1.0`.
   */
  registryPrefixes?: string[];
  userAgent?: string;
  /** Where the credentials come from, for the hint when a registry refuses them. */
  credentialSource?: string | ((registry: string) => string | undefined);
  /** Deadlines of registry requests; defaults in {@link DEFAULT_REGISTRY_TIMEOUTS}. */
  timeouts?: Partial<RegistryTimeouts>;
  /**
   * Client to create registry repositories with. Pass the same one for source
   * and target so they share connections and tokens; by default one client is
   * shared per (credentials, insecure list, user agent).
   */
  client?: RegistryClient;
}

/** A repository plus the tag or digest the reference named. */
export interface OpenedImage {
  repository: ImageRepository;
  /** Tag or digest; `latest` when the reference named neither. */
  reference: string;
}

const sharedClients = new WeakMap<object, Map<string, RegistryClient>>();
const anonymous = {};

function clientFor(options: OpenImageRepositoryOptions): RegistryClient {
  if (options.client) return options.client;
  const byCredentials = options.credentials ?? anonymous;
  let clients = sharedClients.get(byCredentials);
  if (!clients) {
    clients = new Map();
    sharedClients.set(byCredentials, clients);
  }
  const key = JSON.stringify([
    [...(options.insecureRegistries ?? [])].sort(),
    options.userAgent ?? '',
    options.timeouts ?? {},
    typeof options.credentialSource === 'string'
      ? options.credentialSource
      : '',
  ]);
  let client = clients.get(key);
  if (!client) {
    client = new RegistryClient({
      credentials: options.credentials,
      insecureRegistries: options.insecureRegistries,
      userAgent: options.userAgent,
      timeouts: options.timeouts,
      credentialSource: options.credentialSource,
    });
    clients.set(key, client);
  }
  return client;
}

/** Splits `dir[:tag|@digest]` of a layout reference; a `:` before the last `/` belongs to the path. */
function splitLayoutReference(rest: string): {
  dir: string;
  reference: string;
} {
  const at = rest.lastIndexOf('@');
  if (at > 0 && isDigest(rest.slice(at + 1))) {
    return { dir: rest.slice(0, at), reference: rest.slice(at + 1) };
  }
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/') && colon > 0) {
    return { dir: rest.slice(0, colon), reference: rest.slice(colon + 1) };
  }
  return { dir: rest, reference: 'latest' };
}

/**
 * Opens `host[:port]/repo[:tag|@digest]` on a registry or
 * `oci-layout:dir[:tag|@digest]` on disk (relative paths from the working
 * directory). Throws InvalidImageReferenceError for a malformed reference.
 */
export function openImageRepository(
  reference: string,
  options: OpenImageRepositoryOptions = {},
): OpenedImage {
  if (reference.startsWith(OCI_LAYOUT_PREFIX)) {
    const { dir, reference: ref } = splitLayoutReference(
      reference.slice(OCI_LAYOUT_PREFIX.length),
    );
    if (dir === '') {
      throw new Error(
        `missing directory in "${reference}": use oci-layout:/path/to/dir[:tag|@digest]`,
      );
    }
    return {
      repository: new OciLayoutRepository(path.resolve(dir)),
      reference: ref,
    };
  }
  const prefixed = splitRegistryPrefix(reference, options.registryPrefixes);
  let parsed;
  try {
    parsed = parseImageReference(prefixed?.rest ?? reference);
  } catch (error) {
    // A password pasted into a reference must not come back in the error.
    if (
      error instanceof InvalidImageReferenceError &&
      redactCredentials(error.input) !== error.input
    ) {
      throw new InvalidImageReferenceError(
        redactCredentials(error.input),
        redactCredentials(error.reason),
      );
    }
    throw error;
  }
  return {
    repository: clientFor(options).repository(
      parsed.registry,
      parsed.repository,
      prefixed ? { pathPrefix: prefixed.pathPrefix } : {},
    ),
    reference: parsed.digest ?? parsed.tag ?? 'latest',
  };
}

/**
 * Takes the path prefix out of a reference to a registry listed with one:
 * `host/artifactory/api/docker/prod/team/app:1` becomes `host/team/app:1`
 * plus the prefix `/artifactory/api/docker/prod`. The longest match wins; the
 * host compares case-insensitively, the path exactly (servers are case-sensitive).
 */
function splitRegistryPrefix(
  reference: string,
  prefixes: string[] = [],
): { rest: string; pathPrefix: string } | undefined {
  const candidates = prefixes
    .map(p => {
      const slash = p.indexOf('/');
      return slash < 0
        ? undefined
        : { host: p.slice(0, slash).toLowerCase(), path: p.slice(slash) };
    })
    .filter((p): p is { host: string; path: string } => p !== undefined)
    .sort((a, b) => b.path.length - a.path.length);
  const slash = reference.indexOf('/');
  if (slash < 0) return undefined;
  const host = reference.slice(0, slash).toLowerCase();
  const rest = reference.slice(slash);
  for (const candidate of candidates) {
    const pathPrefix = normalizePathPrefix(candidate.path);
    if (
      candidate.host === host &&
      rest.startsWith(`${pathPrefix}/`) &&
      rest.length > pathPrefix.length + 1
    ) {
      return {
        rest: `${reference.slice(0, slash)}${rest.slice(pathPrefix.length)}`,
        pathPrefix,
      };
    }
  }
  return undefined;
}
