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

import { parseNextLink } from './linkHeader';

describe('parseNextLink', () => {
  const base = new URL('https://r.example.com/v2/a/tags/list?n=2');

  it('resolves a relative next link against the response URL', () => {
    expect(
      parseNextLink('</v2/a/tags/list?last=b&n=2>; rel="next"', base)?.href,
    ).toBe('https://r.example.com/v2/a/tags/list?last=b&n=2');
  });

  it('picks next among several links and accepts unquoted rel', () => {
    expect(
      parseNextLink(
        '<https://r.example.com/prev>; rel="prev", <https://r.example.com/next>; rel=next',
        base,
      )?.href,
    ).toBe('https://r.example.com/next');
  });

  it('returns undefined when there is no next page', () => {
    expect(parseNextLink(undefined, base)).toBeUndefined();
    expect(parseNextLink('</x>; rel="prev"', base)).toBeUndefined();
  });
});
