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

import type { CredentialProvider, RegistryCredential } from '../credentials';
import { normalizeRegistryHost } from '../credentials';
import {
  CredentialProviderError,
  describeVendorError,
} from './CredentialProviderError';
import {
  ExpiringCredentialCache,
  type ExpiringCredential,
} from './ExpiringCredentialCache';

/** Options of {@link GarCredentialProvider}; without a key, application default credentials are used. */
export interface GarCredentialProviderOptions {
  /** Path of a credentials file: a service account key, or a workload identity federation config. */
  keyFile?: string;
  /** The same, as JSON text. */
  keyJson?: string;
  /** Deadline of one token request (default 30 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Google access tokens last about an hour; assume less if the library does not say. */
const FALLBACK_LIFETIME_MS = 30 * 60_000;
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** The user name Artifact Registry and Container Registry expect with an access token. */
export const GOOGLE_TOKEN_USERNAME = 'oauth2accesstoken';

class Timeout extends Error {}

/**
 * Required on first use (see EcrCredentialProvider): processes that never
 * talk to a Google registry never load the library.
 */
function loadGoogleAuth(): typeof import('google-auth-library') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('google-auth-library');
}

function withDeadline<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), timeoutMs);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Runs `fn` while dropping the `MetadataLookupWarning` gcp-metadata emits
 * when no metadata server answers (off Google Cloud): Node would print it
 * to stderr beside our own message, which says the same and what to do.
 */
async function withoutMetadataWarnings<T>(fn: () => Promise<T>): Promise<T> {
  const emit = process.emitWarning;
  const filtered = function emitWarning(
    this: NodeJS.Process,
    warning: string | Error,
    ...rest: unknown[]
  ) {
    const type =
      typeof rest[0] === 'string'
        ? rest[0]
        : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'MetadataLookupWarning') return;
    (emit as (...args: unknown[]) => void).call(this, warning, ...rest);
  };
  process.emitWarning = filtered as typeof process.emitWarning;
  try {
    return await fn();
  } finally {
    if (process.emitWarning === filtered) process.emitWarning = emit;
  }
}

/**
 * Artifact Registry and Container Registry: an OAuth2 access token from
 * `google-auth-library` (application default credentials: metadata server,
 * GKE workload identity, `GOOGLE_APPLICATION_CREDENTIALS`; or the configured
 * key), sent as `oauth2accesstoken:<token>`. The library is loaded on first
 * use; tokens are cached until shortly before they expire.
 */
export class GarCredentialProvider implements CredentialProvider {
  private readonly cache = new ExpiringCredentialCache();

  constructor(private readonly options: GarCredentialProviderOptions = {}) {}

  async getCredentials(host: string): Promise<RegistryCredential | undefined> {
    // One token serves every Google registry host.
    try {
      return await this.cache.get('google', () => this.fetch());
    } catch (error) {
      throw this.explain(error, normalizeRegistryHost(host));
    }
  }

  invalidate(): void {
    this.cache.invalidate('google');
  }

  private async fetch(): Promise<ExpiringCredential> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { GoogleAuth } = loadGoogleAuth();
    // A new GoogleAuth per token: the library caches tokens in its clients,
    // and after a refusal (invalidate) we want a fresh one, not its cache.
    const auth = new GoogleAuth({
      scopes: [CLOUD_PLATFORM_SCOPE],
      // A registry token needs no project. Without one, application default
      // credentials look it up, for a federated identity at Cloud Resource
      // Manager: one more call, needing a permission of its own.
      projectId:
        process.env.GOOGLE_CLOUD_PROJECT ?? 'unused-by-image-promotion',
      ...(this.options.keyFile ? { keyFile: this.options.keyFile } : {}),
      ...(this.options.keyJson
        ? { credentials: JSON.parse(this.options.keyJson) }
        : {}),
    });
    const requestedAt = Date.now();
    const { token, expiresAt } = await withDeadline(
      withoutMetadataWarnings(async () => {
        const client = await auth.getClient();
        const result = await client.getAccessToken();
        return {
          token: result.token,
          expiresAt: client.credentials?.expiry_date ?? undefined,
        };
      }),
      timeoutMs,
    );
    if (!token) {
      throw new CredentialProviderError(
        'GAR',
        'Google returned no access token',
      );
    }
    return {
      credential: { username: GOOGLE_TOKEN_USERNAME, password: token },
      expiresAt: expiresAt ?? requestedAt + FALLBACK_LIFETIME_MS,
    };
  }

  /** Turns a library failure into a message that says what to fix, without the library's own text. */
  private explain(error: unknown, host: string): Error {
    if (error instanceof CredentialProviderError) return error;
    const fail = (message: string, noCredentials = false) =>
      new CredentialProviderError('GAR', message, {
        registry: host,
        noCredentials,
      });
    const message = error instanceof Error ? error.message : '';
    const code = (error as { code?: unknown })?.code;
    const response = (
      error as {
        response?: { status?: number; data?: { error?: unknown } };
      }
    )?.response;
    if (error instanceof Timeout) {
      return fail(
        `no access token within ${Math.round(
          (this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000,
        )} s for ${host}: check the network path to Google's token service (or the metadata server)`,
      );
    }
    if (message.startsWith('Could not load the default credentials')) {
      return fail(
        `no Google credentials found for ${host}: set GOOGLE_APPLICATION_CREDENTIALS to a service account key or workload identity federation file, run "gcloud auth application-default login", or run on Google Cloud with a service account (GKE workload identity, Cloud Run, Compute Engine); in the backend you can also set keyFile in the registry's credentials`,
        true,
      );
    }
    if (code === 'ENOENT' || code === 'EACCES') {
      return fail(
        `cannot read the Google credentials file ${
          this.options.keyFile ?? 'named by GOOGLE_APPLICATION_CREDENTIALS'
        } (${code})`,
      );
    }
    if (error instanceof SyntaxError) {
      return fail(
        `the Google credentials file ${
          this.options.keyFile ?? 'named by GOOGLE_APPLICATION_CREDENTIALS'
        } is not valid JSON`,
      );
    }
    if (response?.status) {
      const reason =
        typeof response.data?.error === 'string'
          ? `${response.data.error}, HTTP ${response.status}`
          : `HTTP ${response.status}`;
      return fail(
        `Google's token service refused the credentials for ${host} (${reason}): check that the service account (or workload identity pool) still exists and its key is not disabled`,
      );
    }
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      return fail(
        `cannot reach Google's token service for ${host} (${code}): check the network path to it`,
      );
    }
    return fail(
      `could not get an access token for ${host} (${describeVendorError(
        error,
      )})`,
    );
  }
}
