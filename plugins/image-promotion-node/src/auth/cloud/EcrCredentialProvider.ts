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
import { parseEcrHost } from './cloudHosts';
import {
  CredentialProviderError,
  describeVendorError,
} from './CredentialProviderError';
import {
  ExpiringCredentialCache,
  type ExpiringCredential,
} from './ExpiringCredentialCache';

/** Options of {@link EcrCredentialProvider}; without keys or role the SDK's default credential chain is used. */
export interface EcrCredentialProviderOptions {
  /** AWS region of the registry; default: from the host name, else `AWS_REGION`. */
  region?: string;
  /** Static keys (otherwise env, shared profile, web identity / IRSA, container or instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Role to assume (with the keys above, or the default chain) before asking ECR. */
  roleArn?: string;
  /** ECR API endpoint, e.g. a VPC interface endpoint; default: the SDK's (`AWS_ENDPOINT_URL_ECR` honoured). */
  endpoint?: string;
  /** Deadline of one token request, retries included (default 30 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** ECR tokens last 12 h; if a stand-in forgets to say, assume much less. */
const FALLBACK_LIFETIME_MS = 60 * 60_000;
const ROLE_SESSION_NAME = 'backstage-image-promotion';

const REFUSED_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'ExpiredToken',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
]);

/*
 * The SDK is required on first use, not imported at the top: a process that
 * never talks to ECR (most CLI runs, most backends) never loads its hundreds
 * of modules. require() rather than import(): jest's module sandbox and the
 * CLI's CommonJS bundle both resolve it synchronously.
 */
function loadEcrSdk(): typeof import('@aws-sdk/client-ecr') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@aws-sdk/client-ecr');
}

function loadCredentialProviders(): typeof import('@aws-sdk/credential-providers') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@aws-sdk/credential-providers');
}

/** An error while assuming the configured role, told apart from ECR's own. */
class AssumeRoleFailure extends Error {
  constructor(readonly inner: unknown) {
    super('assume role failed');
  }
}

/**
 * Amazon ECR: `GetAuthorizationToken` through `@aws-sdk/client-ecr`, sent as
 * Basic `AWS:<password>`. The SDK is loaded on first use, so processes that
 * never talk to ECR never load it. Tokens (valid 12 h) are cached per host.
 */
export class EcrCredentialProvider implements CredentialProvider {
  private readonly cache = new ExpiringCredentialCache();

  constructor(private readonly options: EcrCredentialProviderOptions = {}) {}

  async getCredentials(host: string): Promise<RegistryCredential | undefined> {
    const key = normalizeRegistryHost(host);
    return this.cache.get(key, () => this.fetch(key));
  }

  invalidate(host: string): void {
    this.cache.invalidate(normalizeRegistryHost(host));
  }

  private region(host: string): string {
    const region =
      this.options.region ??
      parseEcrHost(host)?.region ??
      process.env.AWS_REGION ??
      process.env.AWS_DEFAULT_REGION;
    if (!region) {
      throw new CredentialProviderError(
        'ECR',
        `cannot tell the AWS region of ${host} from its name: set "region" in its credentials (or AWS_REGION)`,
        { registry: host, code: 'ECR_NO_REGION' },
      );
    }
    return region;
  }

  private async fetch(host: string): Promise<ExpiringCredential> {
    const region = this.region(host);
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { ECRClient, GetAuthorizationTokenCommand } = loadEcrSdk();
    const client = new ECRClient({
      region,
      endpoint: this.options.endpoint,
      credentials: await this.credentials(region, timeoutMs),
      maxAttempts: 3,
      requestHandler: {
        connectionTimeout: Math.min(timeoutMs, 10_000),
        requestTimeout: timeoutMs,
      },
    });
    try {
      const output = await client.send(new GetAuthorizationTokenCommand({}), {
        abortSignal: AbortSignal.timeout(timeoutMs),
      });
      const data = output.authorizationData?.[0];
      const decoded = Buffer.from(
        data?.authorizationToken ?? '',
        'base64',
      ).toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) {
        throw new CredentialProviderError(
          'ECR',
          `GetAuthorizationToken in ${region} returned no usable token for ${host}`,
          { registry: host },
        );
      }
      return {
        credential: {
          username: decoded.slice(0, colon),
          password: decoded.slice(colon + 1),
        },
        expiresAt:
          data?.expiresAt?.getTime() ?? Date.now() + FALLBACK_LIFETIME_MS,
      };
    } catch (error) {
      throw this.explain(error, host, region, timeoutMs);
    } finally {
      client.destroy();
    }
  }

  /** Configured keys or role; undefined leaves the SDK's default chain in charge. */
  private async credentials(region: string, timeoutMs: number) {
    const { accessKeyId, secretAccessKey, sessionToken, roleArn } =
      this.options;
    const keys =
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, sessionToken }
        : undefined;
    if (!roleArn) return keys;
    const { fromTemporaryCredentials } = loadCredentialProviders();
    const assume = fromTemporaryCredentials({
      params: { RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME },
      masterCredentials: keys,
      clientConfig: {
        region,
        maxAttempts: 3,
        requestHandler: {
          connectionTimeout: Math.min(timeoutMs, 10_000),
          requestTimeout: timeoutMs,
        },
      },
    });
    return async () => {
      try {
        return await assume();
      } catch (error) {
        throw new AssumeRoleFailure(error);
      }
    };
  }

  /** Turns an SDK failure into a message that says what to fix, without the SDK's own text. */
  private explain(
    error: unknown,
    host: string,
    region: string,
    timeoutMs: number,
  ): Error {
    if (error instanceof CredentialProviderError) return error;
    const fail = (message: string, noCredentials = false) =>
      new CredentialProviderError('ECR', message, {
        registry: host,
        noCredentials,
      });
    let inner = error;
    let assuming = false;
    if (error instanceof AssumeRoleFailure) {
      inner = error.inner;
      assuming = true;
    }
    const name = (inner as { name?: string })?.name ?? '';
    const what = describeVendorError(inner);
    if (name === 'CredentialsProviderError') {
      return fail(
        `no AWS credentials found for ${host}: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run with an IAM role (EKS IRSA or Pod Identity, ECS task role, EC2 instance profile); in the backend you can also set accessKeyId/secretAccessKey in the registry's credentials`,
        true,
      );
    }
    if (assuming) {
      return fail(
        `cannot assume role ${this.options.roleArn} (${what}): its trust policy must allow the calling AWS identity, which needs sts:AssumeRole on it`,
      );
    }
    if (REFUSED_CREDENTIALS.has(name)) {
      return fail(
        `AWS refused the credentials used for ${host} (${what}): check the access key and secret (and session token), or renew the session of AWS_PROFILE`,
      );
    }
    if (name === 'AccessDeniedException') {
      return fail(
        `the AWS identity may not call ecr:GetAuthorizationToken in ${region} (${what}): allow that action in its IAM policy`,
      );
    }
    if (name === 'TimeoutError' || name === 'AbortError') {
      return fail(
        `the ECR API in ${region} did not answer within ${Math.round(
          timeoutMs / 1000,
        )} s for ${host}: check the network path to it (proxy, VPC endpoint)`,
      );
    }
    const code = (inner as { code?: string })?.code;
    if (code && /^E[A-Z]+$/.test(code)) {
      return fail(
        `cannot reach the ECR API in ${region} for ${host} (${code}): check the network path to it (proxy, VPC endpoint)`,
      );
    }
    return fail(
      `GetAuthorizationToken in ${region} failed for ${host} (${what})`,
    );
  }
}
