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
import { cloudProviderForHost, type CloudProviderKind } from './cloudHosts';
import { CredentialProviderError } from './CredentialProviderError';
import { EcrCredentialProvider } from './EcrCredentialProvider';
import { GarCredentialProvider } from './GarCredentialProvider';
import { AcrCredentialProvider } from './acr';

/** Creates the provider of one kind, on first use. */
export type CloudProviderFactory = () => CredentialProvider;

/** The bundled providers with their defaults (SDK default chains, application default credentials). */
export const DEFAULT_CLOUD_PROVIDER_FACTORIES: Record<
  CloudProviderKind,
  CloudProviderFactory
> = {
  ecr: () => new EcrCredentialProvider(),
  gar: () => new GarCredentialProvider(),
  acr: () => new AcrCredentialProvider(),
};

/** Options of {@link CloudCredentialProvider}. */
export interface CloudCredentialProviderOptions {
  /**
   * Hosts to treat as a given cloud whatever their name (a registry behind
   * a proxy or a custom domain), by `host[:port]`.
   */
  hosts?: Record<string, CloudProviderKind>;
  /** Provider factories by kind (default {@link DEFAULT_CLOUD_PROVIDER_FACTORIES}). */
  factories?: Partial<Record<CloudProviderKind, CloudProviderFactory>>;
  /** Told once per host when a provider found no identity and the host is tried anonymously. */
  onWarning?: (message: string) => void;
}

/**
 * Picks the cloud provider by registry host name (`*.dkr.ecr.*.amazonaws.com`
 * → ECR, `*-docker.pkg.dev` and `gcr.io` → Google), for the CLI where no
 * config names one. Each provider (and its SDK) is created on first use.
 *
 * Google registries also serve public images: when no Google identity is
 * found at all, the host is tried anonymously with a warning. ECR has no
 * anonymous access, so its "no credentials" error is final.
 */
export class CloudCredentialProvider implements CredentialProvider {
  private readonly providers = new Map<CloudProviderKind, CredentialProvider>();
  private readonly hosts = new Map<string, CloudProviderKind>();
  private readonly warned = new Set<string>();

  constructor(private readonly options: CloudCredentialProviderOptions = {}) {
    for (const [host, kind] of Object.entries(options.hosts ?? {})) {
      this.hosts.set(normalizeRegistryHost(host), kind);
    }
  }

  /** Which provider answers for a host, if any. */
  kindFor(host: string): CloudProviderKind | undefined {
    const key = normalizeRegistryHost(host);
    return this.hosts.get(key) ?? cloudProviderForHost(key);
  }

  async getCredentials(host: string): Promise<RegistryCredential | undefined> {
    const kind = this.kindFor(host);
    if (!kind) return undefined;
    try {
      return await this.provider(kind).getCredentials(host);
    } catch (error) {
      if (
        kind === 'gar' &&
        error instanceof CredentialProviderError &&
        error.noCredentials
      ) {
        const key = normalizeRegistryHost(host);
        if (!this.warned.has(key)) {
          this.warned.add(key);
          this.options.onWarning?.(`${error.message}; trying anonymously`);
        }
        return undefined;
      }
      throw error;
    }
  }

  invalidate(host: string): void {
    const kind = this.kindFor(host);
    if (kind) this.providers.get(kind)?.invalidate?.(host);
  }

  private provider(kind: CloudProviderKind): CredentialProvider {
    let provider = this.providers.get(kind);
    if (!provider) {
      const factory =
        this.options.factories?.[kind] ??
        DEFAULT_CLOUD_PROVIDER_FACTORIES[kind];
      provider = factory();
      this.providers.set(kind, provider);
    }
    return provider;
  }
}
