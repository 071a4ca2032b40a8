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

import { AuthenticationError } from '../../errors';

/** Which bundled provider failed; the prefix of its messages. */
export type CredentialProviderName =
  | 'ECR'
  | 'GAR'
  | 'ACR'
  | 'credential helper';

/**
 * A credential provider could not produce credentials for a registry. The
 * message starts with the provider ("ECR: …") and says what to fix; it never
 * quotes a secret, nor a vendor message that might hold one.
 */
export class CredentialProviderError extends AuthenticationError {
  readonly provider: CredentialProviderName;
  /** True when no identity was found at all (as opposed to one that was refused or unreachable). */
  readonly noCredentials: boolean;

  constructor(
    provider: CredentialProviderName,
    message: string,
    options: { registry?: string; noCredentials?: boolean; code?: string } = {},
  ) {
    super(`${provider}: ${message}`, {
      registry: options.registry,
      code: options.code ?? 'CREDENTIAL_PROVIDER_FAILED',
    });
    this.name = 'CredentialProviderError';
    this.provider = provider;
    this.noCredentials = options.noCredentials ?? false;
  }
}

/**
 * The name and code of a vendor SDK error, never its message: AWS and Google
 * messages can quote request details such as key ids and canonical requests.
 */
export function describeVendorError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { name, code } = error as { name?: unknown; code?: unknown };
  const parts = [name, code].filter(
    (p): p is string | number =>
      (typeof p === 'string' && p !== '' && p !== 'Error') ||
      typeof p === 'number',
  );
  return parts.length ? [...new Set(parts.map(String))].join(' ') : 'error';
}
