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

import {
  formatImageReference,
  ImageReference,
  InvalidImageReferenceError,
  parseImageReference,
} from './reference';

const SHA256 = `sha256:${'a'.repeat(64)}`;
const SHA512 = `sha512:${'0123456789abcdef'.repeat(8)}`;

describe('parseImageReference', () => {
  describe('accepts valid references', () => {
    it.each<[string, ImageReference]>([
      // Docker Hub normalisation
      ['ubuntu', { registry: 'docker.io', repository: 'library/ubuntu' }],
      [
        'ubuntu:24.04',
        { registry: 'docker.io', repository: 'library/ubuntu', tag: '24.04' },
      ],
      [
        'bitnami/redis:7.2',
        { registry: 'docker.io', repository: 'bitnami/redis', tag: '7.2' },
      ],
      [
        'docker.io/ubuntu',
        { registry: 'docker.io', repository: 'library/ubuntu' },
      ],
      [
        'docker.io/library/ubuntu',
        { registry: 'docker.io', repository: 'library/ubuntu' },
      ],
      [
        'index.docker.io/ubuntu',
        { registry: 'docker.io', repository: 'library/ubuntu' },
      ],
      [
        'index.docker.io/acme/api:1',
        { registry: 'docker.io', repository: 'acme/api', tag: '1' },
      ],
      // the first component is a registry only with ".", ":" or "localhost"
      ['acme/team/api', { registry: 'docker.io', repository: 'acme/team/api' }],
      [
        'ghcr.io/acme/api:1.2.3',
        { registry: 'ghcr.io', repository: 'acme/api', tag: '1.2.3' },
      ],
      [
        'registry.example.com/a/b/c/d',
        { registry: 'registry.example.com', repository: 'a/b/c/d' },
      ],
      ['quay.io/x', { registry: 'quay.io', repository: 'x' }],
      [
        'my-registry.local/app',
        { registry: 'my-registry.local', repository: 'app' },
      ],
      [
        'Registry.Example.COM/app',
        { registry: 'Registry.Example.COM', repository: 'app' },
      ],
      // localhost and ports
      ['localhost/app', { registry: 'localhost', repository: 'app' }],
      [
        'localhost:5000/app:dev',
        { registry: 'localhost:5000', repository: 'app', tag: 'dev' },
      ],
      [
        'registry.example.com:443/team-a/api',
        { registry: 'registry.example.com:443', repository: 'team-a/api' },
      ],
      ['myhost:5000/app', { registry: 'myhost:5000', repository: 'app' }],
      // a bare "localhost:5000" is Docker Hub's library/localhost with tag 5000
      [
        'localhost:5000',
        { registry: 'docker.io', repository: 'library/localhost', tag: '5000' },
      ],
      // IP hosts
      ['10.0.0.1/app', { registry: '10.0.0.1', repository: 'app' }],
      [
        '192.168.1.20:5000/team/app:v1',
        { registry: '192.168.1.20:5000', repository: 'team/app', tag: 'v1' },
      ],
      ['[::1]:5000/app', { registry: '[::1]:5000', repository: 'app' }],
      ['[fe80::1]/app', { registry: '[fe80::1]', repository: 'app' }],
      // separators in path components
      [
        'acme/a.b_c__d-e---f',
        { registry: 'docker.io', repository: 'acme/a.b_c__d-e---f' },
      ],
      ['0/1', { registry: 'docker.io', repository: '0/1' }],
      // tags
      [
        'app:Latest_Build-1.2',
        {
          registry: 'docker.io',
          repository: 'library/app',
          tag: 'Latest_Build-1.2',
        },
      ],
      [
        'app:_x',
        { registry: 'docker.io', repository: 'library/app', tag: '_x' },
      ],
      [
        `app:${'t'.repeat(128)}`,
        {
          registry: 'docker.io',
          repository: 'library/app',
          tag: 't'.repeat(128),
        },
      ],
      // digests
      [
        `ubuntu@${SHA256}`,
        { registry: 'docker.io', repository: 'library/ubuntu', digest: SHA256 },
      ],
      [
        `ghcr.io/acme/api:1.2.3@${SHA256}`,
        {
          registry: 'ghcr.io',
          repository: 'acme/api',
          tag: '1.2.3',
          digest: SHA256,
        },
      ],
      [
        `localhost:5000/app@${SHA512}`,
        { registry: 'localhost:5000', repository: 'app', digest: SHA512 },
      ],
      [
        `app@sha384:${'b'.repeat(96)}`,
        {
          registry: 'docker.io',
          repository: 'library/app',
          digest: `sha384:${'b'.repeat(96)}`,
        },
      ],
    ])('%s', (input, expected) => {
      expect(parseImageReference(input)).toEqual(expected);
    });

    it('omits tag and digest when absent instead of setting them to undefined', () => {
      expect(Object.keys(parseImageReference('ubuntu'))).toEqual([
        'registry',
        'repository',
      ]);
    });

    it('accepts a name of exactly 255 characters after normalisation', () => {
      const repository = `a/${'b'.repeat(255 - 'ghcr.io/a/'.length)}`;
      const input = `ghcr.io/${repository}`;
      expect(input).toHaveLength(255);
      expect(parseImageReference(input)).toEqual({
        registry: 'ghcr.io',
        repository,
      });
    });
  });

  describe('rejects invalid references', () => {
    it.each<[string, string, RegExp]>([
      ['empty', '', /is empty/],
      ['whitespace', 'ubuntu latest', /contains whitespace/],
      ['leading space', ' ubuntu', /contains whitespace/],
      ['uppercase repository', 'Ubuntu', /"Ubuntu" must be lowercase/],
      [
        'uppercase path component',
        'ghcr.io/Acme/api',
        /repository "Acme\/api" must be lowercase/,
      ],
      // not a registry (no ".", ":" nor localhost), so it is part of the repository
      [
        'uppercase first component',
        'Acme/api',
        /"Acme\/api" must be lowercase/,
      ],
      ['empty tag', 'ubuntu:', /tag after ":" is empty/],
      ['tag starting with "."', 'ubuntu:.x', /tag ".x" is invalid/],
      ['tag starting with "-"', 'ubuntu:-x', /tag "-x" is invalid/],
      ['tag with "+"', 'ubuntu:1.0+build', /tag "1.0\+build" is invalid/],
      [
        'tag too long',
        `ubuntu:${'t'.repeat(129)}`,
        /129 characters long; at most 128/,
      ],
      ['two tags', 'ubuntu:a:b', /tag "a:b" is invalid/],
      ['missing name', ':latest', /repository name is missing/],
      ['only a digest', `@${SHA256}`, /repository name is missing/],
      ['registry only', 'ghcr.io/', /repository name is missing/],
      ['leading slash', '/ubuntu', /empty path component/],
      ['trailing slash', 'acme/api/', /empty path component/],
      ['double slash', 'ghcr.io/acme//api', /empty path component/],
      [
        'separator at start',
        'ghcr.io/-api',
        /path component "-api" is invalid/,
      ],
      ['separator at end', 'ghcr.io/api_', /path component "api_" is invalid/],
      ['triple underscore', 'a___b', /path component "a___b" is invalid/],
      ['double dot', 'a..b', /path component "a..b" is invalid/],
      ['mixed separators', 'a._b', /path component "a._b" is invalid/],
      [
        'invalid character',
        'ghcr.io/acme/api!',
        /path component "api!" is invalid/,
      ],
      [
        'bad registry label',
        'bad_host.io/app',
        /registry host "bad_host.io" is invalid/,
      ],
      ['registry label ending in "-"', 'host-.io/app', /label "host-"/],
      ['empty registry label', 'a..io/app', /empty label/],
      ['non-numeric port', 'localhost:http/app', /port "http" is not a number/],
      ['empty port', 'localhost:/app', /port "" is not a number/],
      [
        'port out of range',
        'localhost:70000/app',
        /port 70000 is out of range/,
      ],
      ['port zero', 'localhost:0/app', /port 0 is out of range/],
      ['bad IPv6', '[::g]/app', /not a valid bracketed IPv6 address/],
      ['unterminated IPv6', '[::1/app', /not a valid bracketed IPv6 address/],
      ['junk after IPv6', '[::1]x/app', /expected ":<port>"/],
      ['digest without algorithm', 'app@abc', /must be "<algorithm>:<hex>"/],
      [
        'unsupported algorithm',
        `app@md5:${'a'.repeat(32)}`,
        /"md5" is not supported/,
      ],
      [
        'invalid algorithm',
        `app@1sha:${'a'.repeat(64)}`,
        /algorithm "1sha" is invalid/,
      ],
      ['short digest', 'app@sha256:abc', /64 hex characters, this one has 3/],
      ['long digest', `app@sha256:${'a'.repeat(65)}`, /this one has 65/],
      [
        'uppercase digest',
        `app@sha256:${'A'.repeat(64)}`,
        /must be lowercase hexadecimal/,
      ],
      [
        'non-hex digest',
        `app@sha256:${'g'.repeat(64)}`,
        /must be lowercase hexadecimal/,
      ],
      ['two digests', `app@${SHA256}@${SHA256}`, /more than one "@"/],
      [
        'tag after digest',
        `app@${SHA256}:v1`,
        /lowercase hexadecimal|hex characters/,
      ],
      ['bare image id', 'a'.repeat(64), /image ID, not a repository name/],
      [
        'name longer than 255 after normalisation',
        `acme/${'b'.repeat(250)}`,
        /the full name "docker\.io\/acme\/b+" is 265 characters long; at most 255/,
      ],
    ])('%s', (_case, input, reason) => {
      let error: unknown;
      try {
        parseImageReference(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidImageReferenceError);
      const invalid = error as InvalidImageReferenceError;
      expect(invalid.name).toBe('InvalidImageReferenceError');
      expect(invalid.input).toBe(input);
      expect(invalid.message).toMatch(reason);
      expect(invalid.message).toContain(JSON.stringify(input));
      expect(invalid.message).toContain('A valid reference looks like');
    });

    it('accepts a 64-hex name when a registry is given', () => {
      expect(parseImageReference(`ghcr.io/${'a'.repeat(64)}`).repository).toBe(
        'a'.repeat(64),
      );
    });

    it('is an Error with a readable message', () => {
      expect(() => parseImageReference('UPPER:tag')).toThrow(
        'Invalid image reference "UPPER:tag": the repository "UPPER" must be lowercase. ' +
          'A valid reference looks like [registry[:port]/]repository[:tag][@digest]',
      );
      expect(new InvalidImageReferenceError('x', 'y')).toBeInstanceOf(Error);
    });
  });
});

describe('formatImageReference', () => {
  it.each<[ImageReference, string]>([
    [
      { registry: 'docker.io', repository: 'library/ubuntu' },
      'docker.io/library/ubuntu',
    ],
    [
      { registry: 'localhost:5000', repository: 'app', tag: 'dev' },
      'localhost:5000/app:dev',
    ],
    [
      { registry: 'ghcr.io', repository: 'acme/api', digest: SHA256 },
      `ghcr.io/acme/api@${SHA256}`,
    ],
    [
      { registry: 'ghcr.io', repository: 'acme/api', tag: '1', digest: SHA256 },
      `ghcr.io/acme/api:1@${SHA256}`,
    ],
  ])('formats %j as %s', (ref, expected) => {
    expect(formatImageReference(ref)).toBe(expected);
  });

  it.each([
    'ubuntu',
    'ubuntu:24.04',
    'index.docker.io/acme/api',
    'localhost:5000/team/app:v1',
    '[::1]:5000/app',
    `ghcr.io/acme/api:1.2.3@${SHA256}`,
  ])('round-trips %s through parse and format', input => {
    const parsed = parseImageReference(input);
    expect(parseImageReference(formatImageReference(parsed))).toEqual(parsed);
  });
});
