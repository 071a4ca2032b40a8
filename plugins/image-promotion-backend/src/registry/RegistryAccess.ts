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

import { resolve } from 'node:path';
import { parseEntityRef } from '@backstage/catalog-model';
import {
  ChainCredentialProvider,
  CredentialProvider,
  DockerConfigCredentialProvider,
  ImageRepository,
  OciLayoutRepository,
  RegistryClient,
  RegistryCredential,
  StaticCredentialProvider,
} from '@image-promotion/plugin-image-promotion-node';
import type {
  ImagePromotionConfig,
  RegistryCredentialsConfig,
} from '../config';
import { expandRepositoryTemplate } from '../config';
import type { Environment, RegistryEndpoint } from '../domain/types';
import { createCloudProvider } from './cloudCredentialProviders';
import type { RegistryPlace } from './registryFailure';

/** Answers only for one host, so a docker config never leaks to another registry. */
class HostScopedProvider implements CredentialProvider {
  constructor(
    private readonly host: string,
    private readonly inner: CredentialProvider,
  ) {}

  async getCredentials(host: string): Promise<RegistryCredential | undefined> {
    return host === this.host ? this.inner.getCredentials(host) : undefined;
  }

  invalidate(host: string): void {
    if (host === this.host) this.inner.invalidate?.(host);
  }
}

/**
 * Turns configured registries and environments into engine repositories:
 * one shared {@link RegistryClient} (keep-alive connections, token cache) for
 * every `type: registry` endpoint, one OCI layout directory per repository for
 * `type: oci-layout` endpoints.
 */
export class RegistryAccess {
  readonly client: RegistryClient;
  private readonly registries: Map<string, RegistryEndpoint>;
  /** Where each registry's credentials come from, by registry name, for error messages. */
  private readonly credentialSources = new Map<string, string>();

  constructor(
    config: ImagePromotionConfig,
    options: { userAgent?: string } = {},
  ) {
    this.registries = config.registries;
    const providers: CredentialProvider[] = [];
    const basic: Record<string, RegistryCredential> = {};
    const insecure: string[] = [];
    /** What the engine's credential hint names, by registry host. */
    const sourcesByHost = new Map<string, string>();
    for (const [name, endpoint] of config.registries) {
      if (endpoint.type !== 'registry') continue;
      if (endpoint.insecure) insecure.push(endpoint.host);
      const credentials = config.registryCredentials.get(name);
      const source = describeCredentialSource(name, credentials);
      this.credentialSources.set(name, source);
      // Two registry names on one host (different path prefixes) share it.
      const host = endpoint.host.toLowerCase();
      const known = sourcesByHost.get(host);
      sourcesByHost.set(
        host,
        known && known !== source ? `${known} or ${source}` : source,
      );
      if (!credentials) continue;
      switch (credentials.kind) {
        case 'basic':
          basic[endpoint.host] = {
            username: credentials.username,
            password: credentials.password,
          };
          break;
        case 'docker-config':
          providers.push(
            new HostScopedProvider(
              endpoint.host,
              new DockerConfigCredentialProvider({ path: credentials.path }),
            ),
          );
          break;
        default: {
          const provider = createCloudProvider(credentials, endpoint);
          if (!provider) {
            // Say so at start-up rather than failing every request later.
            throw new Error(
              `imagePromotion.registries.${name}.credentials: the "${credentials.kind}" credential provider is not bundled in this version; use static credentials or a docker config file written by your cloud CLI`,
            );
          }
          providers.push(new HostScopedProvider(endpoint.host, provider));
        }
      }
    }
    this.client = new RegistryClient({
      credentials: new ChainCredentialProvider([
        new StaticCredentialProvider(basic),
        ...providers,
      ]),
      insecureRegistries: insecure,
      userAgent: options.userAgent ?? 'backstage-image-promotion',
      // A refused login names the app-config key its credentials came from,
      // not the engine's default (the docker config).
      credentialSource: registry => sourcesByHost.get(registry.toLowerCase()),
      // Unset values keep the engine's defaults.
      timeouts: {
        ...(config.timeouts.connectMs !== undefined
          ? { connectMs: config.timeouts.connectMs }
          : {}),
        ...(config.timeouts.responseMs !== undefined
          ? { responseHeadersMs: config.timeouts.responseMs }
          : {}),
        ...(config.timeouts.idleMs !== undefined
          ? { idleMs: config.timeouts.idleMs }
          : {}),
      },
    });
  }

  /** The configured endpoint an environment's images live in. */
  endpoint(environment: Environment): RegistryEndpoint | undefined {
    return this.registries.get(environment.registry);
  }

  /** An environment's registry as error messages name it. */
  place(environment: Environment): RegistryPlace {
    return {
      environment,
      endpoint: this.endpoint(environment),
      credentialSource: this.credentialSources.get(environment.registry),
    };
  }

  /** The repository path of a component's image in an environment. */
  repositoryPath(
    environment: Environment,
    image: string,
    entityRef: string,
  ): string {
    const { namespace, name } = parseEntityRef(entityRef);
    return expandRepositoryTemplate(environment.repository, {
      image,
      namespace,
      name,
    });
  }

  /** The engine repository holding a component's image in an environment. */
  repository(
    environment: Environment,
    image: string,
    entityRef: string,
  ): ImageRepository {
    const endpoint = this.registries.get(environment.registry);
    if (!endpoint) {
      throw new Error(
        `environment ${environment.id} names unknown registry "${environment.registry}"`,
      );
    }
    const path = this.repositoryPath(environment, image, entityRef);
    if (endpoint.type === 'oci-layout') {
      return new OciLayoutRepository(resolve(endpoint.directory, path));
    }
    return this.client.repository(endpoint.host, path, {
      pathPrefix: endpoint.pathPrefix,
    });
  }

  /** A human-readable location of a component's image, without credentials. */
  describe(environment: Environment, image: string, entityRef: string): string {
    return this.repository(environment, image, entityRef).location;
  }
}

/**
 * Where the backend's credentials for a registry come from, in app-config
 * terms; it completes the engine's "check the username/password for HOST in
 * …".
 */
export function describeCredentialSource(
  name: string,
  credentials: RegistryCredentialsConfig | undefined,
): string {
  const key = `app-config imagePromotion.registries.${name}.credentials`;
  if (!credentials) {
    return `${key} (none are configured, so the backend connects anonymously)`;
  }
  switch (credentials.kind) {
    case 'basic':
      return key;
    case 'docker-config':
      return `the docker config ${credentials.path} (${key}.dockerConfig)`;
    default:
      return `the ${credentials.kind.toUpperCase()} identity configured in ${key}`;
  }
}
