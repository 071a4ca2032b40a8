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

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../testing/tempDir';
import * as codeCache from './codeCache';
import { writeCodeCache } from './writeCodeCache';

describe('requireCompiled with a build-time code cache', () => {
  let dir: string;
  let file: string;
  const source = [
    "const path = require('node:path');",
    'function inner(x) { return x * 2; }',
    'exports.twice = x => inner(x);',
    'exports.base = path.basename(__filename);',
    'exports.dir = __dirname;',
  ].join('\n');

  beforeEach(() => {
    dir = makeTempDir('code-cache');
    file = join(dir, 'bundle.cjs');
    writeFileSync(file, source);
  });
  afterEach(() => removeTempDir(dir));

  it('loads a CommonJS file like require, and compiles it without a cache', () => {
    const loaded = codeCache.requireCompiled<{
      twice(x: number): number;
      base: string;
      dir: string;
    }>(file);
    expect(codeCache.lastCodeCache).toBe('missing');
    expect(loaded.twice(21)).toBe(42);
    expect(loaded.base).toBe('bundle.cjs');
    expect(loaded.dir).toBe(dir);
  });

  it('uses the cache written for the same source and refuses one for another', () => {
    expect(writeCodeCache(file)).toBeGreaterThan(0);
    expect(existsSync(`${file}.cache`)).toBe(true);
    expect(
      codeCache.requireCompiled<{ twice(x: number): number }>(file).twice(2),
    ).toBe(4);
    expect(codeCache.lastCodeCache).toBe('used');

    // A rebuilt bundle with a stale cache: V8 refuses it, the file still loads.
    writeFileSync(file, `${source}\nexports.more = 1;`);
    expect(codeCache.requireCompiled<{ more: number }>(file).more).toBe(1);
    expect(codeCache.lastCodeCache).toBe('rejected');
    expect(readFileSync(`${file}.cache`).length).toBeGreaterThan(0);
  });
});
