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

import path from 'node:path';
import { sha256Digest } from '../digest';
import { OciLayoutRepository } from '../layout/OciLayoutRepository';
import { RegistryRepository } from '../registry/RegistryRepository';
import { openImageRepository } from './openImageRepository';

describe('openImageRepository', () => {
  const digest = sha256Digest('x');

  it('opens OCI layouts with a tag, a digest or neither', () => {
    const tagged = openImageRepository('oci-layout:/data/app:v1');
    expect(tagged.repository).toBeInstanceOf(OciLayoutRepository);
    expect(tagged.repository.repository).toBe(path.resolve('/data/app'));
    expect(tagged.reference).toBe('v1');

    const pinned = openImageRepository(`oci-layout:/data/app@${digest}`);
    expect(pinned.repository.location).toBe(
      `oci-layout:${path.resolve('/data/app')}`,
    );
    expect(pinned.reference).toBe(digest);

    const bare = openImageRepository('oci-layout:relative/dir');
    expect(bare.repository.repository).toBe(path.resolve('relative/dir'));
    expect(bare.reference).toBe('latest');
  });

  it('keeps a colon that belongs to the path', () => {
    const opened = openImageRepository('oci-layout:/mnt/c:/images/app');
    expect(opened.repository.repository).toBe(
      path.resolve('/mnt/c:/images/app'),
    );
    expect(opened.reference).toBe('latest');
  });

  it('opens registry repositories, preferring the digest over the tag', () => {
    const opened = openImageRepository(`localhost:5000/team/app:v1@${digest}`);
    expect(opened.repository).toBeInstanceOf(RegistryRepository);
    expect(opened.repository.registryHost).toBe('localhost:5000');
    expect(opened.repository.repository).toBe('team/app');
    expect(opened.reference).toBe(digest);
  });

  it('talks to registry-1.docker.io for Docker Hub images', () => {
    const opened = openImageRepository('ubuntu:24.04');
    const repo = opened.repository as RegistryRepository;
    expect(repo.registryHost).toBe('docker.io');
    expect(repo.apiHost).toBe('registry-1.docker.io');
    expect(repo.repository).toBe('library/ubuntu');
    expect(opened.reference).toBe('24.04');
  });

  it('shares one client between repositories opened with the same options', () => {
    const options = { insecureRegistries: ['localhost:5000'] };
    const a = openImageRepository('localhost:5000/a:1', options)
      .repository as RegistryRepository;
    const b = openImageRepository('localhost:5000/b:1', options)
      .repository as RegistryRepository;
    expect(a.client).toBe(b.client);
  });

  it('opens a repository of a registry that lives under a path prefix', () => {
    const options = {
      registryPrefixes: [
        'art.example.com/artifactory/api/docker/Docker-Local',
        'art.example.com/artifactory',
      ],
    };
    const opened = openImageRepository(
      'ART.example.com/artifactory/api/docker/Docker-Local/team/app:1.0',
      options,
    );
    const repo = opened.repository as RegistryRepository;
    expect(repo.registryHost).toBe('art.example.com');
    expect(repo.pathPrefix).toBe('/artifactory/api/docker/Docker-Local');
    expect(repo.repository).toBe('team/app');
    expect(repo.location).toBe(
      'art.example.com/artifactory/api/docker/Docker-Local/team/app',
    );
    expect(opened.reference).toBe('1.0');

    // Another host, or a path that only starts alike, is an ordinary reference.
    const other = openImageRepository(
      'art.example.org/artifactory/api/docker/docker-local/team/app:1.0',
      options,
    ).repository as RegistryRepository;
    expect(other.pathPrefix).toBe('');
    expect(other.repository).toBe(
      'artifactory/api/docker/docker-local/team/app',
    );
  });
});
