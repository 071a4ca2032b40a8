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

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CredentialProvider } from '../credentials';
import { CloudCredentialProvider } from './CloudCredentialProvider';
import { EcrCredentialProvider } from './EcrCredentialProvider';
import { GarCredentialProvider } from './GarCredentialProvider';

/** Records which hosts it was asked for, and answers with the host's name. */
class Recorder implements CredentialProvider {
  readonly asked: string[] = [];
  readonly invalidated: string[] = [];
  async getCredentials(host: string) {
    this.asked.push(host);
    return { username: 'u', password: host };
  }
  invalidate(host: string) {
    this.invalidated.push(host);
  }
}

describe('CloudCredentialProvider', () => {
  it('routes hosts to the provider their name belongs to, creating each on first use', async () => {
    const ecr = new Recorder();
    const gar = new Recorder();
    let created = 0;
    const provider = new CloudCredentialProvider({
      hosts: { 'proxy.example.com:8443': 'ecr' },
      factories: {
        ecr: () => {
          created += 1;
          return ecr;
        },
        gar: () => gar,
      },
    });
    expect(created).toBe(0);
    await provider.getCredentials(
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    );
    await provider.getCredentials('proxy.example.com:8443');
    await provider.getCredentials('europe-west3-docker.pkg.dev');
    await expect(
      provider.getCredentials('registry.example.com'),
    ).resolves.toBeUndefined();
    expect(created).toBe(1);
    expect(ecr.asked).toEqual([
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      'proxy.example.com:8443',
    ]);
    expect(gar.asked).toEqual(['europe-west3-docker.pkg.dev']);
    provider.invalidate('eu.gcr.io');
    provider.invalidate('registry.example.com');
    expect(gar.invalidated).toEqual(['eu.gcr.io']);
    expect(ecr.invalidated).toEqual([]);
  });

  describe('without any cloud identity', () => {
    const saved = { ...process.env };
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'no-cloud-'));
      for (const name of Object.keys(process.env)) {
        if (/^(AWS_|GOOGLE_|CLOUDSDK_|GCE_)/.test(name))
          delete process.env[name];
      }
      process.env.HOME = dir;
      process.env.AWS_EC2_METADATA_DISABLED = 'true';
      process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'none');
      process.env.AWS_CONFIG_FILE = path.join(dir, 'none');
      process.env.CLOUDSDK_CONFIG = path.join(dir, 'none');
      process.env.METADATA_SERVER_DETECTION = 'none';
    });
    afterEach(() => {
      process.env = { ...saved };
      rmSync(dir, { recursive: true, force: true });
    });

    it('tries a Google registry anonymously (public images), warning once', async () => {
      const warnings: string[] = [];
      const provider = new CloudCredentialProvider({
        factories: { gar: () => new GarCredentialProvider() },
        onWarning: w => warnings.push(w),
      });
      await expect(provider.getCredentials('gcr.io')).resolves.toBeUndefined();
      await expect(provider.getCredentials('gcr.io')).resolves.toBeUndefined();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /^GAR: no Google credentials found for gcr\.io: set GOOGLE_APPLICATION_CREDENTIALS .*; trying anonymously$/,
      );
    });

    it('fails for ECR, which has no anonymous access', async () => {
      const provider = new CloudCredentialProvider({
        factories: {
          // An endpoint nobody listens on: the chain must fail before any call.
          ecr: () =>
            new EcrCredentialProvider({ endpoint: 'http://127.0.0.1:9' }),
        },
      });
      await expect(
        provider.getCredentials('123456789012.dkr.ecr.eu-west-1.amazonaws.com'),
      ).rejects.toThrow(
        /^ECR: no AWS credentials found for 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com: set AWS_PROFILE/,
      );
    });
  });
});
