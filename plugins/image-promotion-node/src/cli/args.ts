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

import { parseArgs } from 'node:util';
import type { CloudProviderKind } from '../auth/cloud/cloudHosts';

/** A usage mistake: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage:
  image-promotion copy SRC DST [--no-clobber] [--referrers] [--platform all|os/arch[/variant]]...
                       [--concurrency N] [REGISTRY OPTIONS] [--json] [--quiet]
  image-promotion resolve REF [REGISTRY OPTIONS] [--json]
  image-promotion tags REPO [REGISTRY OPTIONS] [--json]

Registry options (repeatable):
  --insecure-registry HOST[:PORT]       speak plain http to this registry
  --registry-prefix HOST[:PORT]/PATH    this registry serves its /v2/ API under /PATH
                                        (Artifactory, Nexus); references that start
                                        with HOST[:PORT]/PATH/ name its repositories

Every command also takes --connect-timeout S, --response-timeout S and --idle-timeout S
(seconds; defaults 10, 20 and 20): how long a registry may take to accept a connection,
to answer a request, and stay silent in the middle of a body.

References:
  registry:   HOST[:PORT]/REPOSITORY[:TAG|@sha256:HEX]   e.g. localhost:5001/team/app:1.2.0
  under a path prefix (with --registry-prefix art.example.com/artifactory/api/docker/prod):
              art.example.com/artifactory/api/docker/prod/team/app:1.2.0
  Docker Hub: docker.io/library/alpine:3 (or just alpine:3), served by registry-1.docker.io
  OCI layout: oci-layout:DIR[:TAG|@sha256:HEX]            e.g. oci-layout:/data/app:1.2.0

Credentials come from the docker config ($DOCKER_CONFIG/config.json or ~/.docker/config.json):
"credHelpers", then "auths", then "credsStore" (helpers run as docker-credential-NAME from PATH).
A registry the docker config has nothing for uses its cloud's own identity, picked by host name:
  ACCOUNT.dkr.ecr.REGION.amazonaws.com      ECR: the AWS default credential chain (AWS_PROFILE,
                                            AWS_ACCESS_KEY_ID, web identity, container/instance role)
  LOCATION-docker.pkg.dev, [REGION.]gcr.io  Google: application default credentials
                                            (GOOGLE_APPLICATION_CREDENTIALS, gcloud, metadata server)
  NAME.azurecr.io                           ACR: DefaultAzureCredential (AZURE_TENANT_ID, AZURE_CLIENT_ID
                                            and AZURE_CLIENT_SECRET, workload or managed identity, az login)
--cloud-auth HOST[:PORT]=ecr|gar|acr (any command, repeatable) does the same for a host with another
name (a proxy, a custom domain).
Exit codes: 0 done, 1 failed, 2 bad usage.`;

/** The options common to every command. */
export interface CommonOptions {
  insecureRegistries: string[];
  /** `host[:port]/path` of registries whose API lives under a path. */
  registryPrefixes: string[];
  /** Hosts to authenticate with a cloud identity whatever their name. */
  cloudAuth: Record<string, CloudProviderKind>;
  /** Registry deadlines given on the command line, in milliseconds. */
  timeouts: { connectMs?: number; responseHeadersMs?: number; idleMs?: number };
  json: boolean;
  quiet: boolean;
}

/** A parsed command line. */
export type Command =
  | { command: 'help' }
  | { command: 'version' }
  | ({
      command: 'copy';
      source: string;
      target: string;
      noClobber: boolean;
      referrers: boolean;
      platforms: 'all' | string[];
      concurrency?: number;
    } & CommonOptions)
  | ({ command: 'resolve'; reference: string } & CommonOptions)
  | ({ command: 'tags'; repository: string } & CommonOptions);

/** A `--*-timeout` value: seconds, decimals allowed, as milliseconds. */
function seconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0) || n > 86_400) {
    throw new UsageError(
      `--${flag} expects a number of seconds greater than 0 (e.g. 30 or 2.5), got "${value}"`,
    );
  }
  return Math.round(n * 1000);
}

const PLATFORM_PATTERN = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;

const CLOUD_KINDS: CloudProviderKind[] = ['ecr', 'gar', 'acr'];

function parseCloudAuth(values: string[]): Record<string, CloudProviderKind> {
  const hosts: Record<string, CloudProviderKind> = {};
  for (const value of values) {
    const match = /^([A-Za-z0-9.-]+(?::\d{1,5})?)=([a-z]+)$/.exec(value);
    const kind = match?.[2] as CloudProviderKind | undefined;
    if (!match || !kind || !CLOUD_KINDS.includes(kind)) {
      throw new UsageError(
        `--cloud-auth expects HOST[:PORT]=${CLOUD_KINDS.join(
          '|',
        )}, got "${value}"`,
      );
    }
    hosts[match[1]] = kind;
  }
  return hosts;
}

/** Parses the command line, throwing {@link UsageError} with a message that says what to fix. */
export function parseCommandLine(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'no-clobber': { type: 'boolean', default: false },
        referrers: { type: 'boolean', default: false },
        platform: { type: 'string', multiple: true },
        concurrency: { type: 'string' },
        'insecure-registry': { type: 'string', multiple: true },
        'registry-prefix': { type: 'string', multiple: true },
        'cloud-auth': { type: 'string', multiple: true },
        'connect-timeout': { type: 'string' },
        'response-timeout': { type: 'string' },
        'idle-timeout': { type: 'string' },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] === 'help') {
    return { command: 'help' };
  }
  if (values.version) {
    return { command: 'version' };
  }
  const [command, ...rest] = positionals;
  const common: CommonOptions = {
    insecureRegistries: (values['insecure-registry'] ?? []).map(h => {
      if (
        !/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(h) &&
        !/^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(h)
      ) {
        throw new UsageError(
          `--insecure-registry expects HOST or HOST:PORT, got "${h}"`,
        );
      }
      return h;
    }),
    registryPrefixes: (values['registry-prefix'] ?? []).map(p => {
      const value = p.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
      if (
        !/^[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~+-]+)+$/.test(value) ||
        /\/\.{1,2}(\/|$)/.test(value)
      ) {
        throw new UsageError(
          `--registry-prefix expects HOST[:PORT]/PATH such as art.example.com/artifactory/api/docker/prod, got "${p}"`,
        );
      }
      return value;
    }),
    cloudAuth: parseCloudAuth(values['cloud-auth'] ?? []),
    timeouts: {
      connectMs: seconds('connect-timeout', values['connect-timeout']),
      responseHeadersMs: seconds(
        'response-timeout',
        values['response-timeout'],
      ),
      idleMs: seconds('idle-timeout', values['idle-timeout']),
    },
    json: values.json ?? false,
    quiet: values.quiet ?? false,
  };

  const expectArgs = (names: string[]) => {
    if (rest.length !== names.length) {
      throw new UsageError(
        `"${command}" takes ${names.join(' and ')}; got ${
          rest.length === 0 ? 'none' : rest.map(r => `"${r}"`).join(' ')
        }`,
      );
    }
  };

  switch (command) {
    case 'copy': {
      expectArgs(['SRC', 'DST']);
      let platforms: 'all' | string[] = 'all';
      const platformValues = values.platform ?? [];
      if (platformValues.length && !platformValues.includes('all')) {
        for (const p of platformValues) {
          if (!PLATFORM_PATTERN.test(p)) {
            throw new UsageError(
              `--platform expects "all" or os/arch[/variant] such as linux/amd64, got "${p}"`,
            );
          }
        }
        platforms = platformValues;
      }
      let concurrency: number | undefined;
      if (values.concurrency !== undefined) {
        concurrency = Number(values.concurrency);
        if (
          !Number.isInteger(concurrency) ||
          concurrency < 1 ||
          concurrency > 64
        ) {
          throw new UsageError(
            `--concurrency expects a whole number from 1 to 64, got "${values.concurrency}"`,
          );
        }
      }
      return {
        command: 'copy',
        source: rest[0],
        target: rest[1],
        noClobber: values['no-clobber'] ?? false,
        referrers: values.referrers ?? false,
        platforms,
        concurrency,
        ...common,
      };
    }
    case 'resolve':
      expectArgs(['REF']);
      return { command: 'resolve', reference: rest[0], ...common };
    case 'tags':
      expectArgs(['REPO']);
      return { command: 'tags', repository: rest[0], ...common };
    case undefined:
      throw new UsageError('no command given');
    default:
      throw new UsageError(
        `unknown command "${command}"; expected copy, resolve or tags`,
      );
  }
}
