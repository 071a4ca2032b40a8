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

import { DEMO_USER_COOKIE, demoUserFromCookie } from './demoUsers';

describe('demoUserFromCookie', () => {
  const allowed = ['guest', 'release-manager'];

  it('picks the demo user out of a Cookie header with other cookies', () => {
    expect(
      demoUserFromCookie(
        `session=abc; ${DEMO_USER_COOKIE}=release-manager; theme=dark`,
        allowed,
      ),
    ).toBe('release-manager');
  });

  it('ignores names that are not demo users, and missing cookies', () => {
    expect(
      demoUserFromCookie(`${DEMO_USER_COOKIE}=admin`, allowed),
    ).toBeUndefined();
    expect(
      demoUserFromCookie(`${DEMO_USER_COOKIE}=..%2Fx`, allowed),
    ).toBeUndefined();
    expect(demoUserFromCookie(undefined, allowed)).toBeUndefined();
    expect(demoUserFromCookie('other=1', allowed)).toBeUndefined();
  });
});
