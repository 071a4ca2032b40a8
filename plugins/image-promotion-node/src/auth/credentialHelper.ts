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

import type { RegistryCredential } from './credentials';
import { CredentialProviderError } from './cloud/CredentialProviderError';

/** Options of {@link runCredentialHelper}. */
export interface CredentialHelperOptions {
  /** Environment of the helper, `PATH` included (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** How long the helper may take (default 30 s: cloud helpers call their cloud). */
  timeoutMs?: number;
  /** Where the helper was configured, for messages (e.g. the config.json path). */
  configuredIn?: string;
}

export const DEFAULT_CREDENTIAL_HELPER_TIMEOUT_MS = 30_000;
const MAX_OUTPUT_BYTES = 1024 * 1024;
/** What docker-credential-helpers print when they hold nothing for the server. */
const NOT_FOUND = /credentials not found/i;
/** The user name helpers return for an identity (refresh) token. */
const IDENTITY_TOKEN_USER = '<token>';

/**
 * Runs `docker-credential-<helper> get` with `serverUrl` on stdin, as the
 * docker CLI does, and returns what it printed: `{ Username, Secret }`, or
 * an identity token when the user name is `<token>`. Undefined when the
 * helper says it has nothing for the server. Errors name the helper and what
 * to do, never its output (which may hold the secret).
 */
export function runCredentialHelper(
  helper: string,
  serverUrl: string,
  options: CredentialHelperOptions = {},
): Promise<RegistryCredential | undefined> {
  const program = `docker-credential-${helper}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CREDENTIAL_HELPER_TIMEOUT_MS;
  const where = options.configuredIn ? ` in ${options.configuredIn}` : '';
  const fail = (message: string) =>
    new CredentialProviderError('credential helper', message, {
      registry: serverUrl,
    });
  return new Promise((resolve, reject) => {
    if (!/^[A-Za-z0-9._-]+$/.test(helper)) {
      reject(
        fail(
          `"${helper}", configured for ${serverUrl}${where}, is not a credential helper name`,
        ),
      );
      return;
    }
    // In our process group, unlike a daemon: Ctrl-C in a terminal reaches
    // the helper too, and it can ask for a login on the terminal.
    // Loaded here, not at start: node:child_process brings dgram and more
    // with it, which a copy whose credentials need no helper never uses.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawn } =
      require('node:child_process') as typeof import('node:child_process');
    const child = spawn(program, ['get'], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let settled = false;
    let timer: NodeJS.Timeout | undefined = undefined;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      settle(() =>
        reject(
          fail(
            `${program} did not answer within ${Math.round(
              timeoutMs / 1000,
            )} s for ${serverUrl}: run "echo ${serverUrl} | ${program} get" to see what it waits for (a login prompt, an unreachable cloud)`,
          ),
        ),
      );
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.length > MAX_OUTPUT_BYTES) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4096);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      settle(() =>
        reject(
          error.code === 'ENOENT'
            ? fail(
                `${program} is not on PATH; it is configured for ${serverUrl}${where}: install it, or remove the entry from "credHelpers" / "credsStore"`,
              )
            : fail(`cannot run ${program} for ${serverUrl} (${error.code})`),
        ),
      );
    });
    child.on('close', code => {
      settle(() => {
        if (code !== 0) {
          // Helpers report "nothing stored" as a failure with this text.
          if (NOT_FOUND.test(stdout) || NOT_FOUND.test(stderr)) {
            resolve(undefined);
            return;
          }
          reject(
            fail(
              `${program} get failed for ${serverUrl} (exit ${
                code ?? 'by signal'
              }): run "echo ${serverUrl} | ${program} get" to see its message, and log in again with the tool that set it up`,
            ),
          );
          return;
        }
        let parsed: { Username?: unknown; Secret?: unknown };
        try {
          parsed = JSON.parse(stdout);
        } catch {
          reject(fail(`${program} did not answer JSON for ${serverUrl}`));
          return;
        }
        const username =
          typeof parsed.Username === 'string' ? parsed.Username : '';
        const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
        if (!secret) {
          resolve(undefined);
        } else if (username === IDENTITY_TOKEN_USER) {
          resolve({ identityToken: secret });
        } else {
          resolve({ username, password: secret });
        }
      });
    });
    child.stdin.on('error', () => {
      // The helper may exit without reading stdin; its exit code tells.
    });
    child.stdin.end(serverUrl);
  });
}
