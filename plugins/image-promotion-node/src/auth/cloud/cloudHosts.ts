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

import { normalizeRegistryHost } from '../credentials';

/** The cloud credential providers this package bundles. */
export type CloudProviderKind = 'ecr' | 'gar' | 'acr';

// <account>.dkr.ecr[-fips].<region>.amazonaws.com (.com.cn in China), and the
// dual-stack <account>.dkr-ecr.<region>.on.aws.
const ECR_HOST =
  /^(\d{12})\.(?:dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?|dkr-ecr\.([a-z0-9-]+)\.on\.aws)$/;
const GAR_HOST = /^[a-z0-9-]+-docker\.pkg\.dev$/;
const GCR_HOST = /^(?:[a-z]+\.)?gcr\.io$/;
// <name>.azurecr.io, and the sovereign clouds' azurecr.cn (China) and azurecr.us (US Government).
const ACR_HOST = /^[a-z0-9]{5,50}\.azurecr\.(?:io|cn|us)$/;

function hostname(host: string): string {
  return normalizeRegistryHost(host).replace(/:\d+$/, '');
}

/** Account and region of an ECR registry host, or undefined for any other host. */
export function parseEcrHost(
  host: string,
): { account: string; region: string } | undefined {
  const match = ECR_HOST.exec(hostname(host));
  if (!match) return undefined;
  return { account: match[1], region: match[2] ?? match[3] };
}

/** Whether a host is Artifact Registry (`<location>-docker.pkg.dev`) or Container Registry (`[region.]gcr.io`). */
export function isGoogleRegistryHost(host: string): boolean {
  const name = hostname(host);
  return GAR_HOST.test(name) || GCR_HOST.test(name);
}

/** Whether a host is an Azure Container Registry login server (`<name>.azurecr.io`). */
export function isAcrHost(host: string): boolean {
  return ACR_HOST.test(hostname(host));
}

/** The bundled provider a registry host belongs to by its name, if any. */
export function cloudProviderForHost(
  host: string,
): CloudProviderKind | undefined {
  if (parseEcrHost(host)) return 'ecr';
  if (isGoogleRegistryHost(host)) return 'gar';
  if (isAcrHost(host)) return 'acr';
  return undefined;
}
