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

import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { copyImage } from '../../copy';
import { openImageRepository } from '../../copy/openImageRepository';
import {
  AcrRegistry,
  createOciLayout,
  EntraAuthority,
  findFreePort,
  ImageFixture,
  OciLayoutFixture,
  skopeoInspectRawDigest,
  startAcrRegistry,
  startEntraAuthority,
} from '../../testing';
import { AcrCredentialProvider } from './acr';

jest.setTimeout(120_000);

const TENANT = '8f3c2a10-0000-4000-8000-00000000aaaa';
const promoter = {
  tenantId: TENANT,
  clientId: '0b6f1d2e-1111-4111-8111-000000000001',
  clientSecret: 'promoter-secret-Qx7~vN2',
};
/** A real service principal of the tenant, but without a role on the registry. */
const stranger = {
  tenantId: TENANT,
  clientId: '0b6f1d2e-2222-4222-8222-000000000002',
  clientSecret: 'stranger-secret-Lm4~pR8',
};
const checker = { username: 'checker', password: 'checker-pw-9' };

describe('AcrCredentialProvider against Entra ID and ACR stand-ins', () => {
  let authority: EntraAuthority;
  let acr: AcrRegistry;
  let layout: OciLayoutFixture;
  let image: ImageFixture;
  const defaultCAs = getCACertificates('default');

  beforeAll(async () => {
    authority = await startEntraAuthority({
      clients: [promoter, stranger],
      expiresInSeconds: 3600,
    });
    // What NODE_EXTRA_CA_CERTS does for a process that starts with it.
    setDefaultCACertificates([...defaultCAs, authority.certificatePem]);
    acr = await startAcrRegistry({
      authority,
      allowedClients: [promoter.clientId],
      users: [checker],
    });
    layout = await createOciLayout();
    image = await layout.addImage({ tag: 'v1', layers: 2, layerSize: 4096 });
  });

  afterAll(async () => {
    setDefaultCACertificates(defaultCAs);
    await acr?.stop();
    await authority?.stop();
    await layout?.cleanup();
  });

  const provider = (
    options: Partial<typeof promoter> & { timeoutMs?: number } = promoter,
  ) =>
    new AcrCredentialProvider({
      ...options,
      authorityHost: authority.authorityHost,
      insecureHosts: [acr.host],
    });

  async function copyInto(
    credentials: AcrCredentialProvider,
    repository: string,
  ): Promise<string> {
    const options = { credentials, insecureRegistries: [acr.host] };
    const source = openImageRepository(`oci-layout:${layout.dir}:v1`, options);
    const target = openImageRepository(`${acr.host}/${repository}`, options);
    const result = await copyImage(
      source.repository,
      source.reference,
      target.repository,
      target.reference,
    );
    return result.digest;
  }

  it('copies into the registry with a service principal, checked by skopeo', async () => {
    const digest = await copyInto(provider(), 'team/app:1.0.0');
    expect(digest).toBe(image.digest);
    expect(
      await skopeoInspectRawDigest(`${acr.host}/team/app:1.0.0`, {
        creds: checker,
      }),
    ).toBe(image.digest);
    const exchange = acr.exchanges.at(-1);
    expect(exchange).toEqual({
      clientId: promoter.clientId,
      tenant: TENANT,
      service: acr.host,
      grantType: 'access_token',
    });
    expect(authority.requests.at(-1)).toMatchObject({
      clientId: promoter.clientId,
      scope: 'https://containerregistry.azure.net/.default',
    });
  });

  it('keeps the refresh token until shortly before it expires, and drops it on invalidate', async () => {
    const credentials = provider();
    const before = acr.exchanges.length;
    const first = await credentials.getCredentials(acr.host);
    expect(first).toEqual({ identityToken: expect.any(String) });
    expect(await credentials.getCredentials(acr.host)).toEqual(first);
    expect(acr.exchanges.length).toBe(before + 1);

    credentials.invalidate(acr.host);
    const second = await credentials.getCredentials(acr.host);
    expect(second).not.toEqual(first);
    expect(acr.exchanges.length).toBe(before + 2);
  });

  it('exchanges again once a short-lived refresh token nears its expiry', async () => {
    const shortLived = await startAcrRegistry({
      authority,
      allowedClients: [promoter.clientId],
      users: [checker],
      refreshTokenLifetimeSeconds: 3,
    });
    try {
      const credentials = new AcrCredentialProvider({
        ...promoter,
        authorityHost: authority.authorityHost,
        insecureHosts: [shortLived.host],
      });
      const first = await credentials.getCredentials(shortLived.host);
      expect(await credentials.getCredentials(shortLived.host)).toEqual(first);
      expect(shortLived.exchanges).toHaveLength(1);
      // Renewed a quarter of the lifetime before expiry, so well within 3 s.
      await new Promise(resolve => setTimeout(resolve, 3_000));
      const renewed = await credentials.getCredentials(shortLived.host);
      expect(renewed).not.toEqual(first);
      expect(shortLived.exchanges).toHaveLength(2);
      expect(shortLived.exchanges.every(e => e.refused === undefined)).toBe(
        true,
      );
    } finally {
      await shortLived.stop();
    }
  });

  /** The error a failing provider throws, for checks on its message. */
  async function failure(credentials: AcrCredentialProvider): Promise<Error> {
    const error = await credentials.getCredentials(acr.host).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }

  it('says the client secret was refused, without quoting it', async () => {
    const wrong = 'not-the-secret-Zz9~kk1';
    const error = await failure(provider({ ...promoter, clientSecret: wrong }));
    expect(error.message).toBe(
      `ACR: Microsoft Entra ID refused the client secret of service principal ${promoter.clientId} in tenant ${TENANT} (AADSTS7000215): check clientSecret; client secrets expire, create a new one in the app registration (registry ${acr.host})`,
    );
    expect(`${error.message} ${error.stack}`).not.toContain(wrong);
    expect(authority.requests.at(-1)).toMatchObject({
      clientId: promoter.clientId,
      error: 'invalid_client',
    });
  });

  it('says which ids to check for an unknown service principal', async () => {
    const error = await failure(
      provider({
        ...promoter,
        clientId: '0b6f1d2e-9999-4999-8999-000000000009',
      }),
    );
    expect(error.message).toMatch(
      /^ACR: Microsoft Entra ID does not know service principal 0b6f1d2e-9999-4999-8999-000000000009 in tenant .* \(AADSTS700016\): check tenantId and clientId/,
    );
    expect(error.message).not.toContain(promoter.clientSecret);
  });

  it('says which role to grant when the registry refuses the identity', async () => {
    const error = await failure(provider(stranger));
    expect(error.message).toBe(
      `ACR: ${acr.host} refused the Microsoft Entra token of service principal ${stranger.clientId} in tenant ${TENANT} (HTTP 401): give that identity the AcrPull role on the registry (AcrPush to push) and check that tenantId is the registry's tenant`,
    );
    expect(error.message).not.toContain(stranger.clientSecret);
    expect(acr.exchanges.at(-1)).toMatchObject({
      clientId: stranger.clientId,
      refused: 'the identity has no role on this registry',
    });
  });

  it('names the registry it cannot reach for the exchange', async () => {
    const nobody = `127.0.0.1:${await findFreePort()}`;
    const credentials = new AcrCredentialProvider({
      ...promoter,
      authorityHost: authority.authorityHost,
      insecureHosts: [nobody],
    });
    const error = await credentials.getCredentials(nobody).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe(
      `ACR: cannot reach ${nobody} to exchange the Microsoft Entra token: ECONNREFUSED`,
    );
  });

  it('says how to provide an identity when DefaultAzureCredential finds none', async () => {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) {
      if (
        key.startsWith('AZURE_') ||
        key === 'IDENTITY_ENDPOINT' ||
        key === 'MSI_ENDPOINT'
      ) {
        delete process.env[key];
      }
    }
    process.env.PATH = '/nonexistent';
    try {
      const error = await failure(
        new AcrCredentialProvider({
          insecureHosts: [acr.host],
          timeoutMs: 20_000,
        }),
      );
      expect(error.message).toMatch(
        /^ACR: no Azure credentials found: set tenantId, clientId and clientSecret/,
      );
    } finally {
      process.env = saved;
    }
  });
});
