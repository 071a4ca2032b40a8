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

import { apiHostFor, normalizePathPrefix } from './RegistryClient';

describe('normalizePathPrefix', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['/', ''],
    ['/v2/', ''],
    [
      '/artifactory/api/docker/docker-local',
      '/artifactory/api/docker/docker-local',
    ],
    [
      'artifactory/api/docker/docker-local/',
      '/artifactory/api/docker/docker-local',
    ],
    [
      '/artifactory/api/docker/docker-local/v2/',
      '/artifactory/api/docker/docker-local',
    ],
    ['/repository/Docker-Hosted', '/repository/Docker-Hosted'],
  ])('turns %j into %j', (input, expected) => {
    expect(normalizePathPrefix(input)).toBe(expected);
  });

  it.each(['/a//b', '/a/../b', '/a?b', '/a#b', '/a b', '/a%2Fb'])(
    'refuses %j, which names no path',
    input => {
      expect(() => normalizePathPrefix(input)).toThrow(
        /is not a registry path prefix: use \/segment\/segment/,
      );
    },
  );
});

describe('apiHostFor', () => {
  it("sends Docker Hub's names to its registry host and leaves others alone", () => {
    expect(apiHostFor('docker.io')).toBe('registry-1.docker.io');
    expect(apiHostFor('index.docker.io')).toBe('registry-1.docker.io');
    expect(apiHostFor('registry-1.docker.io')).toBe('registry-1.docker.io');
    expect(apiHostFor('myregistry.azurecr.io')).toBe('myregistry.azurecr.io');
  });
});
