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

import { normalizeScopes, scopesCover } from './scopes';

describe('scopes', () => {
  it('merges actions per resource and sorts, so equal sets give equal cache keys', () => {
    expect(
      normalizeScopes([
        'repository:b:pull',
        'repository:a:push',
        'repository:a:pull',
      ]),
    ).toEqual(['repository:a:pull,push', 'repository:b:pull']);
  });

  it('lets a pull+push token cover a pull request but not the reverse', () => {
    expect(scopesCover(['repository:a:pull,push'], ['repository:a:pull'])).toBe(
      true,
    );
    expect(scopesCover(['repository:a:pull'], ['repository:a:pull,push'])).toBe(
      false,
    );
    expect(scopesCover(['repository:a:pull'], ['repository:b:pull'])).toBe(
      false,
    );
  });
});
