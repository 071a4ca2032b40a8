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
  chmodSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DockerConfigCredentialProvider } from './dockerConfig';
import { runCredentialHelper } from './credentialHelper';

/**
 * Real `docker-credential-*` programs (shell scripts) on a PATH of their
 * own, run the way the docker CLI runs them.
 */
describe('docker credential helpers', () => {
  let dir: string;
  let bin: string;
  let env: NodeJS.ProcessEnv;
  const secret = 'helper-secret-never-printed-77';

  function helper(name: string, body: string) {
    const file = path.join(bin, `docker-credential-${name}`);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  }

  function dockerConfig(content: object): string {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(content));
    return file;
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cred-helper-'));
    bin = path.join(dir, 'bin');
    mkdirSync(bin);
    env = { PATH: `${bin}:${process.env.PATH}`, HELPER_LOG: `${dir}/log` };
    // Answers for registry.example.com only, and logs what it was asked.
    helper(
      'store',
      [
        'read server',
        'echo "$1 $server" >> "$HELPER_LOG"',
        'case "$server" in',
        `  registry.example.com) printf '{"ServerURL":"%s","Username":"robot","Secret":"${secret}"}' "$server" ;;`,
        `  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"<token>","Secret":"hub-refresh"}' "$server" ;;`,
        '  *) echo "credentials not found in native keychain"; exit 1 ;;',
        'esac',
      ].join('\n'),
    );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the user and secret the helper prints for the host on stdin', async () => {
    await expect(
      runCredentialHelper('store', 'registry.example.com', { env }),
    ).resolves.toEqual({ username: 'robot', password: secret });
    expect(await readFile(`${dir}/log`, 'utf8')).toBe(
      'get registry.example.com\n',
    );
  });

  it('turns a <token> user into an identity token, and "not found" into no credentials', async () => {
    await expect(
      runCredentialHelper('store', 'https://index.docker.io/v1/', { env }),
    ).resolves.toEqual({ identityToken: 'hub-refresh' });
    await expect(
      runCredentialHelper('store', 'other.example.com', { env }),
    ).resolves.toBeUndefined();
  });

  it('says the helper is not on PATH, and where it is configured', async () => {
    await expect(
      runCredentialHelper('ecr-login', 'registry.example.com', {
        env,
        configuredIn: '/ci/.docker/config.json',
      }),
    ).rejects.toThrow(
      'credential helper: docker-credential-ecr-login is not on PATH; it is configured for registry.example.com in /ci/.docker/config.json: install it, or remove the entry from "credHelpers" / "credsStore"',
    );
  });

  it('reports a failing helper without repeating what it printed', async () => {
    helper('broken', `echo "token ${secret} expired" >&2; exit 3`);
    const error = await runCredentialHelper('broken', 'registry.example.com', {
      env,
    }).catch(e => e);
    expect(error.message).toBe(
      'credential helper: docker-credential-broken get failed for registry.example.com (exit 3): run "echo registry.example.com | docker-credential-broken get" to see its message, and log in again with the tool that set it up',
    );
    expect(error.message).not.toContain(secret);
  });

  it('gives up on a helper that hangs, within its timeout', async () => {
    helper('hangs', 'sleep 30');
    const started = Date.now();
    await expect(
      runCredentialHelper('hangs', 'registry.example.com', {
        env,
        timeoutMs: 500,
      }),
    ).rejects.toThrow(
      /docker-credential-hangs did not answer within 1 s for registry\.example\.com/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses a helper name that is not a program name', async () => {
    await expect(
      runCredentialHelper('../../bin/sh', 'registry.example.com', { env }),
    ).rejects.toThrow(/is not a credential helper name/);
  });

  it('looks up credHelpers, then auths, then credsStore, and runs a helper again after invalidate', async () => {
    const file = dockerConfig({
      credHelpers: { 'registry.example.com': 'store' },
      auths: {
        'registry.example.com': { auth: 'bm90OnVzZWQ=' },
        'plain.example.com': {
          auth: Buffer.from('u:p').toString('base64'),
        },
      },
      credsStore: 'store',
    });
    const provider = new DockerConfigCredentialProvider({ path: file, env });
    await expect(
      provider.getCredentials('registry.example.com'),
    ).resolves.toEqual({ username: 'robot', password: secret });
    await expect(provider.getCredentials('plain.example.com')).resolves.toEqual(
      { username: 'u', password: 'p' },
    );
    await expect(provider.getCredentials('docker.io')).resolves.toEqual({
      identityToken: 'hub-refresh',
    });
    await expect(
      provider.getCredentials('elsewhere.example.com'),
    ).resolves.toBeUndefined();
    // Cached: asked once per host until the registry refuses the answer.
    await provider.getCredentials('registry.example.com');
    provider.invalidate('registry.example.com');
    await provider.getCredentials('registry.example.com');
    expect((await readFile(`${dir}/log`, 'utf8')).split('\n')).toEqual([
      'get registry.example.com',
      'get https://index.docker.io/v1/',
      'get elsewhere.example.com',
      'get registry.example.com',
      '',
    ]);
  });

  it('can be told not to run helpers, and then warns once per host', async () => {
    const file = dockerConfig({ credsStore: 'store' });
    const warnings: string[] = [];
    const provider = new DockerConfigCredentialProvider({
      path: file,
      env,
      runHelpers: false,
      onWarning: w => warnings.push(w),
    });
    await expect(
      provider.getCredentials('registry.example.com'),
    ).resolves.toBeUndefined();
    await provider.getCredentials('registry.example.com');
    expect(warnings).toEqual([
      'credentials for registry.example.com are managed by the docker credential helper "store", which is not run here; add them to "auths" or configure a credential provider',
    ]);
  });
});
