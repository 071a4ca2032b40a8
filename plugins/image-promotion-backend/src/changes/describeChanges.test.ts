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

import type { InspectedImage } from '@image-promotion/plugin-image-promotion-node';
import { compareUrl } from './compareLink';
import { describeChanges, headlineOf } from './describeChanges';

const d = (c: string) => `sha256:${c.repeat(64)}`;

function platform(
  name: string,
  digest: string,
  layers: Array<[string, number]>,
  labels: Record<string, string> = {},
) {
  return {
    platform: name,
    digest,
    configDigest: d('f'),
    layers: layers.map(([digest_, size]) => ({ digest: digest_, size })),
    size: 100 + layers.reduce((sum, [, size]) => sum + size, 0),
    labels,
    annotations: {},
  };
}

describe('compareUrl', () => {
  it.each([
    [
      'https://github.com/acme/checkout',
      'https://github.com/acme/checkout/compare/abc...def',
    ],
    [
      'https://github.com/acme/checkout.git',
      'https://github.com/acme/checkout/compare/abc...def',
    ],
    [
      'git@github.com:acme/checkout.git',
      'https://github.com/acme/checkout/compare/abc...def',
    ],
    [
      'https://github.com/acme/checkout/tree/main/services',
      'https://github.com/acme/checkout/compare/abc...def',
    ],
    [
      'https://gitlab.com/acme/platform/checkout',
      'https://gitlab.com/acme/platform/checkout/-/compare/abc...def',
    ],
    [
      'https://gitlab.example.com/acme/checkout/-/tree/main',
      'https://gitlab.example.com/acme/checkout/-/compare/abc...def',
    ],
  ])('links %s to its compare view', (source, expected) => {
    expect(compareUrl(source, 'abc', 'def')).toBe(expected);
  });

  it.each([
    'https://bitbucket.org/acme/checkout',
    'not a url',
    'https://github.com/acme',
    'ftp://github.com/acme/checkout',
  ])('gives no link for %s', source => {
    expect(compareUrl(source, 'abc', 'def')).toBeUndefined();
  });

  it('refuses revisions that are not revisions', () => {
    expect(
      compareUrl('https://github.com/acme/checkout', 'abc', '"><script>'),
    ).toBeUndefined();
  });
});

describe('describeChanges', () => {
  const current: InspectedImage = {
    digest: d('1'),
    mediaType: 'application/vnd.oci.image.index.v1+json',
    kind: 'index',
    annotations: { 'org.opencontainers.image.version': '1.0.0' },
    platforms: [
      platform('linux/amd64', d('a'), [
        [d('2'), 10],
        [d('3'), 20],
      ]),
      platform('linux/s390x', d('b'), [[d('4'), 5]]),
    ],
  };
  const candidate: InspectedImage = {
    digest: d('5'),
    mediaType: 'application/vnd.oci.image.index.v1+json',
    kind: 'index',
    annotations: {},
    platforms: [
      platform(
        'linux/amd64',
        d('c'),
        [
          [d('2'), 10],
          [d('6'), 40],
        ],
        { 'org.opencontainers.image.version': '1.1.0' },
      ),
      platform('linux/arm64', d('e'), [[d('7'), 30]]),
    ],
  };

  it('compares per platform: changed, added and removed', () => {
    const summary = describeChanges(current, candidate, {
      now: new Date('2026-12-01T00:00:00Z'),
    });
    expect(summary.platforms.map(p => [p.platform, p.status])).toEqual([
      ['linux/amd64', 'changed'],
      ['linux/arm64', 'added'],
      ['linux/s390x', 'removed'],
    ]);
    expect(summary.platforms[0].layers).toEqual({
      added: 1,
      removed: 1,
      shared: 1,
      bytesAdded: 40,
      bytesRemoved: 20,
    });
    expect(summary.layers).toEqual({
      added: 2,
      removed: 2,
      shared: 1,
      bytesAdded: 70,
      bytesRemoved: 25,
    });
    expect(summary.size).toEqual({ from: 235, to: 280 });
    expect(summary.labels[0]).toEqual({
      key: 'org.opencontainers.image.version',
      title: 'Version',
      from: '1.0.0',
      to: '1.1.0',
      changed: true,
    });
    expect(summary.compare).toBeNull();
    expect(headlineOf(summary)).toEqual({
      fromVersion: '1.0.0',
      toVersion: '1.1.0',
      layersAdded: 2,
      layersRemoved: 2,
      sizeDelta: 45,
      compareUrl: null,
    });
  });

  it('treats an environment without an image as all new', () => {
    const summary = describeChanges(undefined, candidate);
    expect(summary).toMatchObject({
      fromDigest: null,
      identical: false,
      size: { from: null, to: 280 },
      layers: { added: 3, removed: 0, shared: 0 },
    });
    expect(headlineOf(summary).sizeDelta).toBeNull();
  });

  it('says when the digest is the same', () => {
    expect(describeChanges(current, current).identical).toBe(true);
  });
});
