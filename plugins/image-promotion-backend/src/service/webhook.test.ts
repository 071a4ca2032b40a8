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
  constantTimeEquals,
  isAuthorizedNotification,
  pushedRepositories,
} from './webhook';

describe('webhook secret', () => {
  const secret = 'webhook-secret-0123456789abcdef';

  it('compares in constant time, whatever the lengths', () => {
    expect(constantTimeEquals(secret, secret)).toBe(true);
    expect(constantTimeEquals(`${secret}x`, secret)).toBe(false);
    expect(constantTimeEquals('', secret)).toBe(false);
    expect(constantTimeEquals(secret.slice(0, -1), secret)).toBe(false);
  });

  it('accepts the Authorization token scheme and the secret header', () => {
    expect(
      isAuthorizedNotification({ authorization: `Token ${secret}` }, secret),
    ).toBe(true);
    expect(
      isAuthorizedNotification({ authorization: `token  ${secret}` }, secret),
    ).toBe(true);
    expect(
      isAuthorizedNotification({ 'x-image-promotion-secret': secret }, secret),
    ).toBe(true);
    expect(
      isAuthorizedNotification({ authorization: `Bearer ${secret}` }, secret),
    ).toBe(false);
    expect(isAuthorizedNotification({ authorization: secret }, secret)).toBe(
      false,
    );
    expect(isAuthorizedNotification({}, secret)).toBe(false);
  });

  it('takes the repositories of push events only, once each', () => {
    expect(
      pushedRepositories({
        events: [
          { action: 'push', target: { repository: 'team/a' } },
          { action: 'push', target: { repository: 'team/a' } },
          { action: 'pull', target: { repository: 'team/b' } },
          { action: 'push', target: { repository: 'team/c' } },
        ],
      }),
    ).toEqual(['team/a', 'team/c']);
  });
});
