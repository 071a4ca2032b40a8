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
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigReader, type JsonValue } from '@backstage/config';
import { createTestTransparencyLog } from '../__testUtils__/sigstoreBundles';
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

describe('policy.signatures.transparencyLog', () => {
  const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
  const dir = mkdtempSync(join(tmpdir(), 'trusted-root-'));
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(
      path,
      typeof content === 'string' ? content : JSON.stringify(content),
    );
    return path;
  };
  const root = createTestTransparencyLog().trustedRoot;

  it('reads a trusted root file and the threshold', () => {
    const path = file('trusted_root.json', root);
    const config = readImagePromotionConfig(
      configWith({
        keys: [{ publicKey: pem }],
        transparencyLog: { trustedRoot: path, threshold: 2 },
      }),
    );
    const prod = config.pipelines.get('default')!.environments[1];
    expect(prod.policy.signatureTransparencyLog).toEqual({
      trustedRootPath: path,
      trustedRoot: root,
      threshold: 2,
    });
    expect(
      config.pipelines.get('default')!.environments[0].policy
        .signatureTransparencyLog,
    ).toBeUndefined();
  });

  it.each([
    [
      { trustedRoot: '/nonexistent/trusted_root.json' },
      'cannot read the trusted root /nonexistent/trusted_root.json: ENOENT',
    ],
    [{ trustedRoot: 'not-json' }, 'cannot read the trusted root'],
    [
      { trustedRoot: 'no-logs' },
      'is not a usable Sigstore trusted root (as written by cosign trusted-root create): it lists no transparency log',
    ],
    [{ trustedRoot: 'good', threshold: 0 }, 'threshold'],
  ])('refuses %j', (log, message) => {
    const paths: Record<string, string> = {
      'not-json': file('broken.json', '{ not json'),
      'no-logs': file('empty.json', { ...root, tlogs: [] }),
      good: file('good.json', root),
    };
    const transparencyLog = {
      ...log,
      trustedRoot: paths[log.trustedRoot] ?? log.trustedRoot,
    };
    expect(() =>
      readImagePromotionConfig(
        configWith({ keys: [{ publicKey: pem }], transparencyLog }),
      ),
    ).toThrow(message);
  });
});
