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

import { generateKeyPairSync } from 'node:crypto';
import { ConfigReader, type JsonValue } from '@backstage/config';
import { readImagePromotionConfig } from './readImagePromotionConfig';

function configWith(signatures: JsonValue) {
  return new ConfigReader({
    imagePromotion: {
      registries: { local: { type: 'oci-layout', directory: '/tmp/x' } },
      pipelines: {
        default: {
          environments: [
            { id: 'dev', registry: 'local', repository: '{{ image }}' },
            {
              id: 'prod',
              registry: 'local',
              repository: 'prod/{{ image }}',
              policy: { signatures },
            },
          ],
        },
      },
    },
  });
}

describe('policy.signatures', () => {
  const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();

  it('reads named PEM keys', () => {
    const config = readImagePromotionConfig(
      configWith({
        keys: [{ name: 'release', publicKey: pem }, { publicKey: pem }],
      }),
    );
    const prod = config.pipelines.get('default')!.environments[1];
    expect(prod.policy.signatureKeys.map(k => k.name)).toEqual([
      'release',
      'key 2',
    ]);
  });

  it.each([
    [{ keys: [{ publicKey: 'not a key' }] }, 'is not a PEM public key'],
    [
      { keys: [{ path: '/nonexistent/cosign.pub' }] },
      'cannot read the public key file',
    ],
    [{ keys: [{ name: 'x' }] }, 'give either publicKey'],
    [{ keys: [] }, 'list at least one public key'],
  ])('refuses %j', (signatures, message) => {
    expect(() => readImagePromotionConfig(configWith(signatures))).toThrow(
      message,
    );
  });
});
