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
  GarCredentialProvider,
  openImageRepository,
  RegistryClient,
} from '../index';
import {
  createOciLayout,
  GoogleStandIn,
  ImageFixture,
  letGaxiosUseNodeFetch,
  makeTempDir,
  OciLayoutFixture,
  pushWithSkopeo,
  removeTempDir,
  skopeoCopyToDir,
  skopeoInspectRawDigest,
  startGoogleStandIn,
  startRegistry,
  startTokenServer,
  TestRegistry,
  TokenServer,
} from '../testing';

jest.setTimeout(120_000);
letGaxiosUseNodeFetch();

/** The CI job's OIDC token, read by google-auth-library from the file the credentials name. */
const oidcToken = 'eyJhbGciOiJSUzI1NiJ9.ci-job-oidc-token.never-printed';
/** An independent checker's account on the registry's token server. */
const checker = { username: 'checker', password: 'checker-password-77' };

describe('Artifact Registry credentials through google-auth-library against a local token service', () => {
  let layout: OciLayoutFixture;
  let image: ImageFixture;
  let source: TestRegistry;
  let google: GoogleStandIn;
  let tokenServer: TokenServer;
  let gar: TestRegistry;
  let workDir: string;
  let copies = 0;

  beforeAll(async () => {
    layout = await createOciLayout();
    image = await layout.addImage({
      tag: '1.0.0',
      layers: 2,
      layerSize: 64 * 1024,
    });
    source = await startRegistry();
    google = await startGoogleStandIn({
      subjectToken: oidcToken,
      tokenLifetimeSeconds: 4,
    });
    google.registryUsers.push(checker);
    // Registry tokens live 300 s; the access tokens behind them only 4 s.
    tokenServer = await startTokenServer({ users: google.registryUsers });
    gar = await startRegistry({ auth: { token: tokenServer } });
    await pushWithSkopeo(layout.dir, '1.0.0', `${source.host}/app:1.0.0`);
    workDir = makeTempDir('gar');
  });

  afterAll(async () => {
    await Promise.all([source?.stop(), gar?.stop()]);
    await Promise.all([tokenServer?.stop(), google?.stop()]);
    await layout?.cleanup();
    if (workDir) await removeTempDir(workDir);
  });

  /** Copies into the registry under a fresh tag with a fresh client (no cached registry token); returns the reference. */
  async function copyToGar(credentials: CredentialProvider): Promise<string> {
    copies += 1;
    const target = `${gar.host}/project/team/app:copy-${copies}`;
    const client = new RegistryClient({
      credentials,
      insecureRegistries: [source.host, gar.host],
    });
    try {
      const from = openImageRepository(`${source.host}/app:1.0.0`, { client });
      const to = openImageRepository(target, { client });
      const result = await copyImage(
        from.repository,
        from.reference,
        to.repository,
        to.reference,
      );
      expect(result.digest).toBe(image.digest);
    } finally {
      client.close();
    }
    return target;
  }

  async function expectSkopeoSees(reference: string) {
    await expect(
      skopeoInspectRawDigest(reference, { creds: checker }),
    ).resolves.toBe(image.digest);
    await skopeoCopyToDir(reference, join(workDir, `back-${copies}`), {
      creds: checker,
    });
  }

  it('copies with an access token from a workload identity federation credentials file, checked with skopeo', async () => {
    const before = google.tokensIssued();
    const keyFile = google.writeCredentialsFile(workDir);
    const target = await copyToGar(new GarCredentialProvider({ keyFile }));
    await expectSkopeoSees(target);
    expect(google.tokensIssued() - before).toBe(1);
    const grants = tokenServer.requests.filter(
      r => r.username === 'oauth2accesstoken',
    );
    expect(grants.length).toBeGreaterThan(0);
    expect(grants.every(r => !r.rejected)).toBe(true);
  });

  it('finds the file through GOOGLE_APPLICATION_CREDENTIALS (application default credentials)', async () => {
    const saved = { ...process.env };
    process.env.GOOGLE_APPLICATION_CREDENTIALS =
      google.writeCredentialsFile(workDir);
    const before = google.tokensIssued();
    try {
      await expectSkopeoSees(await copyToGar(new GarCredentialProvider()));
    } finally {
      process.env = saved;
    }
    expect(google.tokensIssued() - before).toBe(1);
  });

  it('keeps an access token until shortly before it expires, then fetches a new one', async () => {
    const credentials = new GarCredentialProvider({
      keyFile: google.writeCredentialsFile(workDir),
    });
    const before = google.tokensIssued();
    await copyToGar(credentials);
    await copyToGar(credentials);
    expect(google.tokensIssued() - before).toBe(1);
    await sleep(4_500);
    await expectSkopeoSees(await copyToGar(credentials));
    expect(google.tokensIssued() - before).toBe(2);
  });

  it('fetches a new access token when the token service refuses the cached one (401)', async () => {
    const credentials = new GarCredentialProvider({
      keyFile: google.writeCredentialsFile(workDir),
    });
    const before = google.tokensIssued();
    await copyToGar(credentials);
    google.revokeAll();
    const rejectedBefore = tokenServer.requests.filter(r => r.rejected).length;
    await expectSkopeoSees(await copyToGar(credentials));
    expect(google.tokensIssued() - before).toBe(2);
    expect(tokenServer.requests.filter(r => r.rejected).length).toBe(
      rejectedBefore + 1,
    );
  });

  it('says which provider failed and what to fix, without the token, when Google refuses the subject token', async () => {
    const keyFile = google.writeCredentialsFile(workDir, 'forged-oidc-token');
    const error = await copyToGar(new GarCredentialProvider({ keyFile })).catch(
      e => e,
    );
    expect(error).toBeInstanceOf(CredentialProviderError);
    expect(error.message).toMatch(
      /^GAR: Google's token service refused the credentials for 127\.0\.0\.1:\d+ \(invalid_grant, HTTP 400\)/,
    );
    expect(error.message).not.toContain('forged-oidc-token');
  });

  it('says how to provide credentials when there are none', async () => {
    const saved = { ...process.env };
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.HOME = workDir;
    process.env.CLOUDSDK_CONFIG = join(workDir, 'no-gcloud');
    process.env.METADATA_SERVER_DETECTION = 'none';
    try {
      const error = await copyToGar(new GarCredentialProvider()).catch(e => e);
      expect(error.message).toMatch(
        /^GAR: no Google credentials found for 127\.0\.0\.1:\d+: set GOOGLE_APPLICATION_CREDENTIALS/,
      );
    } finally {
      process.env = saved;
    }
  });

  it('names a missing credentials file', async () => {
    const keyFile = join(workDir, 'missing.json');
    const error = await copyToGar(new GarCredentialProvider({ keyFile })).catch(
      e => e,
    );
    expect(error.message).toBe(
      `GAR: cannot read the Google credentials file ${keyFile} (ENOENT)`,
    );
  });
});
