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

import { parseWwwAuthenticate } from './wwwAuthenticate';

describe('parseWwwAuthenticate', () => {
  it('parses a Docker Hub bearer challenge with quoted params', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:library/ubuntu:pull',
        },
      },
    ]);
  });

  it('keeps commas inside quoted scope values and reads the insufficient_scope error', () => {
    const [challenge] = parseWwwAuthenticate(
      'Bearer realm="https://r/token", service="r", scope="repository:a:pull,push", error="insufficient_scope"',
    );
    expect(challenge.params.scope).toBe('repository:a:pull,push');
    expect(challenge.params.error).toBe('insufficient_scope');
  });

  it('splits several challenges and lower-cases schemes and names', () => {
    const challenges = parseWwwAuthenticate(
      'Basic Realm="Registry Realm", Bearer realm="https://x/t"',
    );
    expect(challenges.map(c => c.scheme)).toEqual(['basic', 'bearer']);
    expect(challenges[0].params.realm).toBe('Registry Realm');
  });

  it('handles escaped quotes and unquoted values', () => {
    const [challenge] = parseWwwAuthenticate(
      'Bearer realm="a\\"b",service=reg',
    );
    expect(challenge.params).toEqual({ realm: 'a"b', service: 'reg' });
  });

  it('returns nothing for a missing or empty header', () => {
    expect(parseWwwAuthenticate(undefined)).toEqual([]);
    expect(parseWwwAuthenticate('')).toEqual([]);
  });
});
