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

import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  normalizeRegistryHost,
  type CredentialProvider,
  type RegistryCredential,
} from './credentials';
import { runCredentialHelper } from './credentialHelper';

/** What was read from a docker config.json. */
export interface DockerConfigCredentials {
  /** Credentials by normalised host. */
  auths: Map<string, RegistryCredential>;
  /** Hosts with their own credential helper (`credHelpers`): normalised host → helper name. */
  credHelpers: Map<string, string>;
  /** Hosts of {@link credHelpers}. */
  helperHosts: Set<string>;
  /** The default helper for every other host (`credsStore`). */
  credsStore?: string;
}

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entryCredential(entry: JsonObject): RegistryCredential | undefined {
  const str = (key: string) =>
    typeof entry[key] === 'string' && entry[key] !== ''
      ? (entry[key] as string)
      : undefined;
  const identityToken = str('identitytoken');
  if (identityToken) return { identityToken };
  const registryToken = str('registrytoken');
  if (registryToken) return { registryToken };
  const auth = str('auth');
  if (auth) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      return {
        username: decoded.slice(0, colon),
        password: decoded.slice(colon + 1),
      };
    }
  }
  const username = str('username');
  const password = str('password');
  if (username && password !== undefined) return { username, password };
  return undefined;
}

/**
 * Parses the text of a docker config.json. Errors never quote the file's
 * content, since it is full of secrets.
 */
export function parseDockerConfig(text: string): DockerConfigCredentials {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('docker config is not valid JSON');
  }
  const result: DockerConfigCredentials = {
    auths: new Map(),
    credHelpers: new Map(),
    helperHosts: new Set(),
  };
  if (!isObject(doc)) return result;
  if (isObject(doc.auths)) {
    for (const [key, value] of Object.entries(doc.auths)) {
      if (!isObject(value)) continue;
      const credential = entryCredential(value);
      if (credential) result.auths.set(normalizeRegistryHost(key), credential);
    }
  }
  if (isObject(doc.credHelpers)) {
    for (const [key, helper] of Object.entries(doc.credHelpers)) {
      if (typeof helper !== 'string' || helper === '') continue;
      const host = normalizeRegistryHost(key);
      result.credHelpers.set(host, helper);
      result.helperHosts.add(host);
    }
  }
  if (typeof doc.credsStore === 'string' && doc.credsStore !== '') {
    result.credsStore = doc.credsStore;
  }
  return result;
}

/** Path of the docker config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function defaultDockerConfigPath(
  env: NodeJS.ProcessEnv = process.env,
): string {
  const dir = env.DOCKER_CONFIG || path.join(os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

/** What a credential helper is given for a host: Docker Hub's legacy index URL, else the host. */
function helperServerUrl(host: string): string {
  return host === 'docker.io' ? 'https://index.docker.io/v1/' : host;
}

/**
 * Credentials from a docker config.json, looked up as the docker CLI does:
 * the host's `credHelpers` entry (runs `docker-credential-<name> get`), else
 * its `auths` entry, else the `credsStore` helper. The file is read once, on
 * first use; a missing file means anonymous access everywhere. A helper's
 * answer is kept until {@link invalidate} (the registry refused it).
 */
export class DockerConfigCredentialProvider implements CredentialProvider {
  private loaded?: Promise<DockerConfigCredentials>;
  private readonly fromHelpers = new Map<
    string,
    Promise<RegistryCredential | undefined>
  >();

  constructor(
    private readonly options: {
      /** Explicit config.json path; default from `env` (see {@link defaultDockerConfigPath}). */
      path?: string;
      /** Environment to read `DOCKER_CONFIG` from and to run helpers in (default `process.env`). */
      env?: NodeJS.ProcessEnv;
      /** Run credential helpers (default true); when false, hosts set up for one go anonymous with a warning. */
      runHelpers?: boolean;
      /** Deadline of one helper run (default 30 s). */
      helperTimeoutMs?: number;
      /** Told (once per host) when a host is set up for a credential helper that is not run. */
      onWarning?: (message: string) => void;
    } = {},
  ) {}

  private file(): string {
    return this.options.path ?? defaultDockerConfigPath(this.options.env);
  }

  /** The parsed config, read on first call. */
  load(): Promise<DockerConfigCredentials> {
    if (!this.loaded) {
      const file = this.file();
      this.loaded = readFile(file, 'utf8').then(
        text => {
          try {
            return parseDockerConfig(text);
          } catch (error) {
            throw new Error(
              `cannot read docker config ${file}: ${(error as Error).message}`,
            );
          }
        },
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') {
            return {
              auths: new Map(),
              credHelpers: new Map(),
              helperHosts: new Set<string>(),
            };
          }
          throw new Error(
            `cannot read docker config ${file}: ${error.code ?? error.message}`,
          );
        },
      );
    }
    return this.loaded;
  }

  private readonly warned = new Set<string>();

  async getCredentials(host: string): Promise<RegistryCredential | undefined> {
    const config = await this.load();
    const key = normalizeRegistryHost(host);
    const helper = config.credHelpers.get(key);
    if (helper) return this.fromHelper(helper, key);
    const credential = config.auths.get(key);
    if (credential) return credential;
    if (config.credsStore) return this.fromHelper(config.credsStore, key);
    return undefined;
  }

  invalidate(host: string): void {
    this.fromHelpers.delete(normalizeRegistryHost(host));
  }

  private fromHelper(
    helper: string,
    host: string,
  ): Promise<RegistryCredential | undefined> {
    if (this.options.runHelpers === false) {
      if (!this.warned.has(host)) {
        this.warned.add(host);
        this.options.onWarning?.(
          `credentials for ${host} are managed by the docker credential helper "${helper}", which is not run here; add them to "auths" or configure a credential provider`,
        );
      }
      return Promise.resolve(undefined);
    }
    let pending = this.fromHelpers.get(host);
    if (!pending) {
      pending = runCredentialHelper(helper, helperServerUrl(host), {
        env: this.options.env,
        timeoutMs: this.options.helperTimeoutMs,
        configuredIn: this.file(),
      });
      // A failure is not kept: the next request runs the helper again.
      pending.catch(() => this.fromHelpers.delete(host));
      this.fromHelpers.set(host, pending);
    }
    return pending;
  }
}
