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
  AcrCredentialProvider,
  EcrCredentialProvider,
  GarCredentialProvider,
  type CredentialProvider,
} from '@image-promotion/plugin-image-promotion-node';
import type { RegistryCredentialsConfig } from '../config';

type CloudKind = Exclude<
  RegistryCredentialsConfig['kind'],
  'basic' | 'docker-config'
>;
type CloudConfig<K extends CloudKind> = Extract<
  RegistryCredentialsConfig,
  { kind: K }
>;

/** The registry a provider is created for. */
export interface CloudProviderRegistry {
  /** `host[:port]` */
  host: string;
  /** Plain http allowed (`insecure: true`); providers that call the registry itself (ACR) need it. */
  insecure: boolean;
}

/**
 * Creates the credential provider of a registry's `credentials.provider`.
 * Cheap: a provider loads its vendor SDK on first use, so only registries
 * that are actually used pay for it.
 */
export type CloudProviderFactory<K extends CloudKind> = (
  config: CloudConfig<K>,
  registry: CloudProviderRegistry,
) => CredentialProvider;

/** The bundled cloud providers by `credentials.provider`; a kind left out is refused at start-up. */
export const CLOUD_PROVIDER_FACTORIES: {
  [K in CloudKind]?: CloudProviderFactory<K>;
} = {
  ecr: config =>
    new EcrCredentialProvider({
      region: config.region,
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      sessionToken: config.sessionToken,
      roleArn: config.roleArn,
      endpoint: config.endpoint,
    }),
  gar: config =>
    new GarCredentialProvider({
      keyFile: config.keyFile,
      keyJson: config.keyJson,
    }),
  acr: (config, registry) =>
    new AcrCredentialProvider({
      tenantId: config.tenantId,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      authorityHost: config.authorityHost,
      insecureHosts: registry.insecure ? [registry.host] : [],
    }),
};

/** The provider for a cloud `credentials` entry, or undefined when this build has none for its kind. */
export function createCloudProvider(
  config: RegistryCredentialsConfig,
  registry: CloudProviderRegistry,
): CredentialProvider | undefined {
  if (config.kind === 'basic' || config.kind === 'docker-config') {
    return undefined;
  }
  const factory = CLOUD_PROVIDER_FACTORIES[config.kind] as
    | CloudProviderFactory<typeof config.kind>
    | undefined;
  return factory?.(config as never, registry);
}
