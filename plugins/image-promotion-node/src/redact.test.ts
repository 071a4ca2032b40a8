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

import { redactCredentials } from './redact';

describe('redactCredentials', () => {
  it.each([
    ['ci:s3cret@localhost:5000/team/app:1', 'ci:***@localhost:5000/team/app:1'],
    [
      'Invalid image reference "ci:p@ss:w0rd@host/app": bad',
      'Invalid image reference "ci:***@host/app": bad',
    ],
    [
      'see https://u:tok@registry.example/v2/',
      'see https://u:***@registry.example/v2/',
    ],
  ])('masks the password in %j', (input, expected) => {
    expect(redactCredentials(input)).toBe(expected);
    expect(redactCredentials(input)).not.toMatch(/s3cret|p@ss|tok@/);
  });

  it.each([
    `localhost:5000/team/app:1.0@sha256:${'a'.repeat(64)}`,
    `app:1.0@sha256:${'b'.repeat(64)}`,
    'registry 127.0.0.1:5001 refused the connection',
    'oci-layout:/data/app:1.0',
  ])('leaves %j alone', text => {
    expect(redactCredentials(text)).toBe(text);
  });
});
