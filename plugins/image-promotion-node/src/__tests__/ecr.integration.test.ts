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

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  copyImage,
  CredentialProvider,
  CredentialProviderError,
  EcrCredentialProvider,
  EcrCredentialProviderOptions,
  openImageRepository,
} from '../index';
import {
  createOciLayout,
  EcrStandIn,
  ImageFixture,
  makeTempDir,
  OciLayoutFixture,
  pushWithSkopeo,
  removeTempDir,
  skopeoCopyToDir,
  skopeoInspectRawDigest,
  startEcrStandIn,
  startRegistry,
  TestRegistry,
} from '../testing';

jest.setTimeout(120_000);

/** The AWS key of the CI job; its secret must never show in an error. */
const ciKey = {
  accessKeyId: 'AKIASTANDIN0000CI001',
  secretAccessKey: 'ci-secret-access-key-never-printed-0001',
};
/** The registry's real password, handed out by the stand-in as the ECR token. */
const ecrPassword = 'ecr-registry-password-from-standin-42';
const ROLE = 'arn:aws:iam::123456789012:role/image-promoter';

describe('ECR credentials through @aws-sdk/client-ecr against a local stand-in', () => {
  let layout: OciLayoutFixture;
  let image: ImageFixture;
  let source: TestRegistry;
  let ecr: TestRegistry;
  let workDir: string;
  const standIns: EcrStandIn[] = [];
  let copies = 0;

  beforeAll(async () => {
    layout = await createOciLayout();
    image = await layout.addImage({
      tag: '1.0.0',
      layers: 2,
      layerSize: 64 * 1024,
    });
    source = await startRegistry();
    ecr = await startRegistry({
      auth: { htpasswd: [{ username: 'AWS', password: ecrPassword }] },
    });
    await pushWithSkopeo(layout.dir, '1.0.0', `${source.host}/app:1.0.0`);
    workDir = makeTempDir('ecr');
  });

  afterAll(async () => {
    await Promise.all(standIns.map(s => s.stop()));
    await Promise.all([source?.stop(), ecr?.stop()]);
    await layout?.cleanup();
    if (workDir) await removeTempDir(workDir);
  });

  async function standIn(
    options: Partial<Parameters<typeof startEcrStandIn>[0]> = {},
  ): Promise<EcrStandIn> {
    const started = await startEcrStandIn({
      keys: [ciKey],
      password: ecrPassword,
      roles: [ROLE],
      ...options,
    });
    standIns.push(started);
    return started;
  }

  function provider(
    at: EcrStandIn,
    options: EcrCredentialProviderOptions = {},
  ): EcrCredentialProvider {
    return new EcrCredentialProvider({
      region: 'eu-west-1',
      endpoint: at.url,
      ...ciKey,
      timeoutMs: 10_000,
      ...options,
    });
  }

  /** Copies the source image into the ECR stand-in registry under a fresh tag; returns that reference. */
  async function copyToEcr(credentials: CredentialProvider): Promise<string> {
    copies += 1;
    const target = `${ecr.host}/team/app:copy-${copies}`;
    const open = (reference: string) =>
      openImageRepository(reference, {
        credentials,
        insecureRegistries: [source.host, ecr.host],
      });
    const from = open(`${source.host}/app:1.0.0`);
    const to = open(target);
    const result = await copyImage(
      from.repository,
      from.reference,
      to.repository,
      to.reference,
    );
    expect(result.digest).toBe(image.digest);
    return target;
  }

  async function expectSkopeoSees(reference: string) {
    const creds = { username: 'AWS', password: ecrPassword };
    await expect(skopeoInspectRawDigest(reference, { creds })).resolves.toBe(
      image.digest,
    );
    await skopeoCopyToDir(reference, join(workDir, `back-${copies}`), {
      creds,
    });
  }

  it('copies into the registry with the token GetAuthorizationToken returned, checked with skopeo', async () => {
    const at = await standIn();
    const target = await copyToEcr(provider(at));
    await expectSkopeoSees(target);
    expect(at.tokensIssued()).toBe(1);
    expect(at.requests[0]).toMatchObject({
      action: 'ecr:GetAuthorizationToken',
      accessKeyId: ciKey.accessKeyId,
    });
  });

  it('uses the default credential chain (environment keys) when no keys are configured', async () => {
    const at = await standIn();
    const saved = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = ciKey.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = ciKey.secretAccessKey;
    try {
      const target = await copyToEcr(
        new EcrCredentialProvider({ region: 'eu-west-1', endpoint: at.url }),
      );
      await expectSkopeoSees(target);
    } finally {
      process.env = saved;
    }
    expect(at.requests.map(r => r.accessKeyId)).toEqual([ciKey.accessKeyId]);
  });

  it('assumes the configured role first and asks ECR with the temporary keys', async () => {
    const at = await standIn();
    const saved = { ...process.env };
    process.env.AWS_ENDPOINT_URL_STS = at.url;
    try {
      const target = await copyToEcr(provider(at, { roleArn: ROLE }));
      await expectSkopeoSees(target);
    } finally {
      process.env = saved;
    }
    expect(at.requests.map(r => r.action)).toEqual([
      'sts:AssumeRole',
      'ecr:GetAuthorizationToken',
    ]);
    expect(at.requests[1].accessKeyId).toMatch(/^ASIA/);
  });

  it('keeps a token until shortly before it expires, then fetches a new one', async () => {
    const at = await standIn({ tokenLifetimeSeconds: 4 });
    const credentials = provider(at);
    await copyToEcr(credentials);
    await copyToEcr(credentials);
    expect(at.tokensIssued()).toBe(1);
    await sleep(4_500);
    await expectSkopeoSees(await copyToEcr(credentials));
    expect(at.tokensIssued()).toBe(2);
  });

  it('fetches a new token when the registry refuses the cached one (401)', async () => {
    // The first token is stale (revoked early); the next one is good.
    let calls = 0;
    const at = await standIn({
      password: () => (++calls === 1 ? 'revoked-token' : ecrPassword),
    });
    await expectSkopeoSees(await copyToEcr(provider(at)));
    expect(at.tokensIssued()).toBe(2);
  });

  it('says which provider failed and what to fix, without the secret, when AWS refuses the keys', async () => {
    const at = await standIn({ keys: [] });
    const error = await copyToEcr(provider(at)).catch(e => e);
    expect(error).toBeInstanceOf(CredentialProviderError);
    expect(error.message).toMatch(
      /^ECR: AWS refused the credentials used for 127\.0\.0\.1:\d+ \(UnrecognizedClientException\): check the access key/,
    );
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(
      ciKey.secretAccessKey,
    );
  });

  it('says how to provide credentials when the default chain finds none', async () => {
    const at = await standIn();
    const saved = { ...process.env };
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('AWS_')) delete process.env[name];
    }
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(workDir, 'none');
    process.env.AWS_CONFIG_FILE = join(workDir, 'none');
    try {
      const error = await copyToEcr(
        new EcrCredentialProvider({ region: 'eu-west-1', endpoint: at.url }),
      ).catch(e => e);
      expect(error.message).toMatch(
        /^ECR: no AWS credentials found for 127\.0\.0\.1:\d+: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
      );
    } finally {
      process.env = saved;
    }
    expect(at.requests).toEqual([]);
  });

  it('says so when the role cannot be assumed', async () => {
    const at = await standIn({ roles: [] });
    const saved = { ...process.env };
    process.env.AWS_ENDPOINT_URL_STS = at.url;
    try {
      const error = await copyToEcr(provider(at, { roleArn: ROLE })).catch(
        e => e,
      );
      expect(error.message).toMatch(
        `ECR: cannot assume role ${ROLE} (AccessDenied): its trust policy must allow`,
      );
    } finally {
      process.env = saved;
    }
  });
});
