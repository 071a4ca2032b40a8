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

import { ConfigReader } from '@backstage/config';
import { AuthenticationError } from '@image-promotion/plugin-image-promotion-node';
import { startRegistry, TestRegistry } from '../__testUtils__/harness';
import { readImagePromotionConfig } from '../config';
import type { Environment } from '../domain/types';
import { RegistryAccess } from './RegistryAccess';

jest.setTimeout(60_000);

/*
 * The engine's hint for a refused login says where the credentials came
 * from. The backend's come from app-config, so that is what it must name:
 * a user told to check a docker config the backend never read looks in the
 * wrong place.
 */
describe('RegistryAccess credential hints', () => {
  let secured: TestRegistry;

  beforeAll(async () => {
    secured = await startRegistry({
      auth: { htpasswd: [{ username: 'robot', password: 'the-right-one' }] },
    });
  });

  afterAll(async () => {
    await secured?.stop();
  });

  function access(credentials?: object): RegistryAccess {
    const config = readImagePromotionConfig(
      new ConfigReader({
        imagePromotion: {
          registries: {
            qa: {
              type: 'registry',
              url: `http://${secured.host}`,
              insecure: true,
              ...(credentials ? { credentials } : {}),
            },
          },
          pipelines: {
            default: {
              environments: [
                { id: 'qa', registry: 'qa', repository: 'team/{{ image }}' },
              ],
            },
          },
        },
      }),
      { cwd: '/srv/backstage' },
    );
    return new RegistryAccess(config);
  }

  const qa = {
    id: 'qa',
    registry: 'qa',
    repository: 'team/{{ image }}',
  } as Environment;

  async function refusal(registries: RegistryAccess): Promise<Error> {
    const repository = registries.repository(
      qa,
      'api',
      'component:default/api',
    );
    return repository.resolve('1.0.0').then(
      () => {
        throw new Error('the registry accepted the credentials');
      },
      (error: Error) => error,
    );
  }

  it('names the app-config key of the username and password it refused, never the docker config or the password', async () => {
    const error = await refusal(
      access({ username: 'robot', password: 'wrong-password-42' }),
    );

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain(
      `check the username/password for ${secured.host} in app-config imagePromotion.registries.qa.credentials`,
    );
    expect(error.message).not.toMatch(/docker config|wrong-password-42/);
  });

  it('says no credentials are configured when the registry wants some', async () => {
    const error = await refusal(access());

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain(
      'app-config imagePromotion.registries.qa.credentials (none are configured, so the backend connects anonymously)',
    );
    expect(error.message).not.toContain('docker config');
  });
});
