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

import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// The harness is test-only (never exported from the package entry point), so
// bcryptjs rightly stays a devDependency; the rule only knows *.test.* files.
// eslint-disable-next-line @backstage/no-undeclared-imports
import bcrypt from 'bcryptjs';
import { findFreePort } from './ports';
import { makeTempDir, removeTempDir } from './tempDir';
import type { TokenServer } from './tokenServer';

/** A user of a registry or token server. */
export interface TestUser {
  username: string;
  password: string;
}

/** How a test registry authenticates clients. */
export type RegistryAuth = { htpasswd: TestUser[] } | { token: TokenServer };

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  auth?: RegistryAuth;
  /** Reuse this storage directory (kept on stop); default is a fresh temp dir (removed on stop). */
  storageDir?: string;
  /** Where the fresh temp dir goes (default: the OS temp dir), e.g. a tmpfs for benchmarks. */
  tempRoot?: string;
  /** How long to wait for `GET /v2/` to answer (default 30 s). */
  readyTimeoutMs?: number;
}

/** A running `docker-registry` (distribution 2.8) on a loopback port. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`, the host part of image references. */
  host: string;
  port: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  storageDir: string;
  authMode: 'none' | 'htpasswd' | 'token';
  /** What the registry printed so far (log level warn). */
  logs(): string;
  /** Kills the registry and removes its temp files. Idempotent. */
  stop(): Promise<void>;
}

const REGISTRY_BINARY = process.env.DOCKER_REGISTRY_BIN ?? 'docker-registry';
const MAX_PORT_ATTEMPTS = 5;

// Go's bcrypt accepts any minor version letter ($2a$, $2b$, $2y$), so the
// $2b$ hashes bcryptjs produces are fine for distribution's htpasswd auth.
const BCRYPT_COST = 6;

/** Renders an htpasswd file with bcrypt hashes. */
export function renderHtpasswd(users: TestUser[]): string {
  return users
    .map(
      user => `${user.username}:${bcrypt.hashSync(user.password, BCRYPT_COST)}`,
    )
    .join('\n')
    .concat('\n');
}

interface RegistryConfigInput {
  port: number;
  storageDir: string;
  htpasswdPath?: string;
  token?: TokenServer;
}

/** distribution's config.yml; JSON is valid YAML, so no YAML writer is needed. */
function renderConfig(input: RegistryConfigInput): string {
  let auth: Record<string, unknown> | undefined;
  if (input.htpasswdPath) {
    auth = {
      htpasswd: { realm: 'image-promotion-test', path: input.htpasswdPath },
    };
  } else if (input.token) {
    auth = {
      token: {
        realm: input.token.realm,
        service: input.token.service,
        issuer: input.token.issuer,
        rootcertbundle: input.token.rootCertBundlePath,
      },
    };
  }
  const config = {
    version: 0.1,
    log: { level: 'warn', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: input.storageDir },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: {
      addr: `127.0.0.1:${input.port}`,
      secret: randomBytes(16).toString('hex'),
    },
    ...(auth ? { auth } : {}),
  };
  return JSON.stringify(config, null, 2);
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined || child.exitCode !== null) {
    return;
  }
  try {
    // The registry runs in its own process group (detached); kill all of it.
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function installExitHook() {
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) {
      killGroup(child, 'SIGKILL');
    }
  });
}

// The shell wrapper kills the registry when our end of its stdin closes, which
// also happens when this process dies without running its exit hooks.
const WRAPPER = [
  'exec 3<&0',
  `"$0" serve "$1" </dev/null &`,
  'reg=$!',
  '{ cat <&3 >/dev/null; kill "$reg" 2>/dev/null; } &',
  'wait "$reg"',
].join('\n');

async function waitUntilUp(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`registry exited with code ${child.exitCode}`);
    }
    try {
      const response = await fetch(`${url}/v2/`, {
        signal: AbortSignal.timeout(1000),
      });
      await response.arrayBuffer();
      if (response.status === 200 || response.status === 401) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  throw new Error(
    `registry did not answer GET ${url}/v2/ within ${timeoutMs} ms`,
  );
}

/**
 * Starts `docker-registry serve` with a generated config on a free loopback
 * port and resolves once `GET /v2/` answers (401 counts as up).
 */
export async function startRegistry(
  options: StartRegistryOptions = {},
): Promise<TestRegistry> {
  installExitHook();
  const workDir = makeTempDir('registry', options.tempRoot);
  const storageDir = options.storageDir ?? join(workDir, 'storage');
  mkdirSync(storageDir, { recursive: true });

  let htpasswdPath: string | undefined;
  let token: TokenServer | undefined;
  let authMode: TestRegistry['authMode'] = 'none';
  if (options.auth && 'htpasswd' in options.auth) {
    htpasswdPath = join(workDir, 'htpasswd');
    await writeFile(htpasswdPath, renderHtpasswd(options.auth.htpasswd), {
      mode: 0o600,
    });
    authMode = 'htpasswd';
  } else if (options.auth && 'token' in options.auth) {
    token = options.auth.token;
    authMode = 'token';
  }

  const failures: string[] = [];
  for (let attempt = 1; attempt <= MAX_PORT_ATTEMPTS; attempt++) {
    const port = await findFreePort();
    const configPath = join(workDir, 'config.yml');
    await writeFile(
      configPath,
      renderConfig({ port, storageDir, htpasswdPath, token }),
    );
    const child = spawn('sh', ['-c', WRAPPER, REGISTRY_BINARY, configPath], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    liveChildren.add(child);
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-64_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const exited = new Promise<void>(resolve => {
      if (child.exitCode !== null) {
        resolve();
      } else {
        child.once('exit', () => resolve());
      }
    });
    const url = `http://127.0.0.1:${port}`;

    let stopped = false;
    const stop = async () => {
      if (stopped) {
        return;
      }
      stopped = true;
      child.stdin?.end();
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      liveChildren.delete(child);
      // An owned storage dir lives inside workDir; a caller's one is kept.
      await removeTempDir(workDir);
    };

    try {
      await waitUntilUp(url, child, options.readyTimeoutMs ?? 30_000);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.push(`port ${port}: ${message}: ${output.trim()}`);
      child.stdin?.end();
      killGroup(child, 'SIGKILL');
      await exited;
      liveChildren.delete(child);
      if (/address already in use/i.test(output)) {
        continue;
      }
      break;
    }

    return {
      host: `127.0.0.1:${port}`,
      port,
      url,
      storageDir,
      authMode,
      logs: () => output,
      stop,
    };
  }
  await removeTempDir(workDir);
  throw new Error(`could not start ${REGISTRY_BINARY}: ${failures.join('; ')}`);
}
