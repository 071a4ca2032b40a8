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

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DockerConfigCredentialProvider,
  defaultDockerConfigPath,
  parseDockerConfig,
} from './dockerConfig';
import {
  ChainCredentialProvider,
  StaticCredentialProvider,
} from './credentials';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('parseDockerConfig', () => {
  it('reads base64 auth, username/password and identity tokens, normalising keys', () => {
    const config = parseDockerConfig(
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': {
            auth: b64('hub-user:p:with:colons'),
          },
          'registry.example.com:5000': { username: 'u', password: 'p' },
          'http://acr.example.io/v2/': { identitytoken: 'refresh' },
          'empty.example.com': {},
        },
      }),
    );
    expect(config.auths.get('docker.io')).toEqual({
      username: 'hub-user',
      password: 'p:with:colons',
    });
    expect(config.auths.get('registry.example.com:5000')).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(config.auths.get('acr.example.io')).toEqual({
      identityToken: 'refresh',
    });
    expect(config.auths.has('empty.example.com')).toBe(false);
  });

  it('records which credential helper serves which host', () => {
    const config = parseDockerConfig(
      JSON.stringify({
        credHelpers: { 'https://GCR.io': 'gcloud', 'x.example.com': 42 },
        credsStore: 'desktop',
      }),
    );
    expect([...config.credHelpers]).toEqual([['gcr.io', 'gcloud']]);
    expect([...config.helperHosts]).toEqual(['gcr.io']);
    expect(config.credsStore).toBe('desktop');
  });

  it('never echoes the file content when it is not JSON', () => {
    expect(() => parseDockerConfig('{"auths": secret-stuff')).toThrow(
      'docker config is not valid JSON',
    );
    expect(() => parseDockerConfig('{"auths": secret-stuff')).not.toThrow(
      /secret/,
    );
  });
});

describe('DockerConfigCredentialProvider', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dockercfg-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds config.json through DOCKER_CONFIG and answers Docker Hub aliases', async () => {
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        auths: { 'https://index.docker.io/v1/': { auth: b64('a:b') } },
      }),
    );
    expect(defaultDockerConfigPath({ DOCKER_CONFIG: dir })).toBe(
      path.join(dir, 'config.json'),
    );
    const warnings: string[] = [];
    const provider = new DockerConfigCredentialProvider({
      env: { DOCKER_CONFIG: dir },
      onWarning: w => warnings.push(w),
    });
    await expect(provider.getCredentials('docker.io')).resolves.toEqual({
      username: 'a',
      password: 'b',
    });
    await expect(
      provider.getCredentials('registry-1.docker.io'),
    ).resolves.toEqual({ username: 'a', password: 'b' });
    await expect(
      provider.getCredentials('other.example.com'),
    ).resolves.toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('treats a missing file as anonymous access', async () => {
    const provider = new DockerConfigCredentialProvider({
      path: path.join(dir, 'nope.json'),
    });
    await expect(provider.getCredentials('docker.io')).resolves.toBeUndefined();
  });
});

describe('ChainCredentialProvider', () => {
  it('returns the first provider that knows the host', async () => {
    const chain = new ChainCredentialProvider([
      new StaticCredentialProvider({ 'a.example.com': { registryToken: 't' } }),
      new StaticCredentialProvider({
        'a.example.com': { username: 'x', password: 'y' },
        'b.example.com': { username: 'u', password: 'p' },
      }),
    ]);
    await expect(chain.getCredentials('a.example.com')).resolves.toEqual({
      registryToken: 't',
    });
    await expect(chain.getCredentials('B.example.com')).resolves.toEqual({
      username: 'u',
      password: 'p',
    });
    await expect(
      chain.getCredentials('c.example.com'),
    ).resolves.toBeUndefined();
  });
});
