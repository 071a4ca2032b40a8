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

import { parseCommandLine, UsageError } from './args';

describe('parseCommandLine', () => {
  it('parses a copy with every option', () => {
    expect(
      parseCommandLine([
        'copy',
        'localhost:5001/team/app:1.2.0',
        'oci-layout:/tmp/out:1.2.0',
        '--no-clobber',
        '--referrers',
        '--platform',
        'linux/arm64',
        '--platform',
        'linux/arm/v7',
        '--concurrency',
        '8',
        '--insecure-registry',
        'localhost:5001',
        '--registry-prefix',
        'https://art.example.com/artifactory/api/docker/prod/',
        '--cloud-auth',
        'ecr.internal.example:5000=ecr',
        '--connect-timeout',
        '5',
        '--response-timeout',
        '2.5',
        '--idle-timeout',
        '90',
        '--json',
      ]),
    ).toEqual({
      command: 'copy',
      source: 'localhost:5001/team/app:1.2.0',
      target: 'oci-layout:/tmp/out:1.2.0',
      noClobber: true,
      referrers: true,
      platforms: ['linux/arm64', 'linux/arm/v7'],
      concurrency: 8,
      insecureRegistries: ['localhost:5001'],
      registryPrefixes: ['art.example.com/artifactory/api/docker/prod'],
      cloudAuth: { 'ecr.internal.example:5000': 'ecr' },
      timeouts: { connectMs: 5000, responseHeadersMs: 2500, idleMs: 90_000 },
      json: true,
      quiet: false,
    });
  });

  it('defaults to all platforms and no clobber protection', () => {
    const parsed = parseCommandLine(['copy', 'a/b:1', 'c/d:1']);
    expect(parsed).toMatchObject({
      command: 'copy',
      platforms: 'all',
      noClobber: false,
      referrers: false,
      concurrency: undefined,
      insecureRegistries: [],
      timeouts: {
        connectMs: undefined,
        responseHeadersMs: undefined,
        idleMs: undefined,
      },
    });
  });

  it('parses resolve and tags', () => {
    expect(parseCommandLine(['resolve', 'a/b:1'])).toMatchObject({
      command: 'resolve',
      reference: 'a/b:1',
    });
    expect(parseCommandLine(['tags', 'a/b'])).toMatchObject({
      command: 'tags',
      repository: 'a/b',
    });
  });

  it.each([
    [[], /no command given/],
    [['promote', 'a', 'b'], /unknown command "promote"/],
    [['copy', 'a/b:1'], /"copy" takes SRC and DST; got "a\/b:1"/],
    [['resolve'], /"resolve" takes REF; got none/],
    [['copy', 'a', 'b', '--concurrency', '0'], /whole number from 1 to 64/],
    [['copy', 'a', 'b', '--concurrency', 'many'], /whole number/],
    [['copy', 'a', 'b', '--platform', 'amd64'], /os\/arch/],
    [
      ['copy', 'a', 'b', '--insecure-registry', 'http://x'],
      /HOST or HOST:PORT/,
    ],
    [
      ['copy', 'a', 'b', '--registry-prefix', 'art.example.com'],
      /HOST\[:PORT\]\/PATH/,
    ],
    [
      ['copy', 'a', 'b', '--registry-prefix', 'h/a/../b'],
      /HOST\[:PORT\]\/PATH/,
    ],
    [
      ['copy', 'a', 'b', '--cloud-auth', 'host=azure'],
      /HOST\[:PORT\]=ecr\|gar\|acr/,
    ],
    [['copy', 'a', 'b', '--cloud-auth', 'ecr'], /--cloud-auth expects/],
    [['copy', 'a', 'b', '--bogus'], /bogus/],
    [['copy', 'a', 'b', '--idle-timeout', '0'], /--idle-timeout expects/],
    [['tags', 'a', '--connect-timeout=-1'], /--connect-timeout expects/],
    [['resolve', 'a', '--response-timeout', '1m'], /number of seconds/],
  ])('rejects %j with a message that says what to fix', (argv, message) => {
    expect(() => parseCommandLine(argv as string[])).toThrow(UsageError);
    expect(() => parseCommandLine(argv as string[])).toThrow(message);
  });
});
