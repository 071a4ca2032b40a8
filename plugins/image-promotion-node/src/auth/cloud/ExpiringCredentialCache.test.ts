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

import { ExpiringCredentialCache, renewAt } from './ExpiringCredentialCache';

describe('ExpiringCredentialCache', () => {
  const credential = (password: string) => ({ username: 'AWS', password });

  it('renews a tenth of the lifetime early, at most 5 minutes', () => {
    expect(renewAt(60_000, 0)).toBe(54_000);
    expect(renewAt(12 * 3600_000, 0)).toBe(12 * 3600_000 - 5 * 60_000);
  });

  it('fetches once for concurrent callers and reuses the result until renewal time', async () => {
    let now = 0;
    const cache = new ExpiringCredentialCache(() => now);
    let fetches = 0;
    const fetch = async () => {
      fetches += 1;
      return { credential: credential(`t${fetches}`), expiresAt: 100_000 };
    };
    const [a, b] = await Promise.all([
      cache.get('h', fetch),
      cache.get('h', fetch),
    ]);
    expect(a).toEqual(credential('t1'));
    expect(b).toEqual(credential('t1'));
    now = 89_999;
    expect(await cache.get('h', fetch)).toEqual(credential('t1'));
    now = 90_000;
    expect(await cache.get('h', fetch)).toEqual(credential('t2'));
    expect(fetches).toBe(2);
  });

  it('fetches anew after invalidate, and does not cache failures', async () => {
    const cache = new ExpiringCredentialCache(() => 0);
    let fetches = 0;
    const fetch = async () => {
      fetches += 1;
      if (fetches === 2) throw new Error('cloud down');
      return { credential: credential(`t${fetches}`), expiresAt: 100_000 };
    };
    expect(await cache.get('h', fetch)).toEqual(credential('t1'));
    cache.invalidate('h');
    await expect(cache.get('h', fetch)).rejects.toThrow('cloud down');
    expect(await cache.get('h', fetch)).toEqual(credential('t3'));
  });
});
