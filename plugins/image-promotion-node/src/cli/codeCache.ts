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

// V8 compiles a function the first time it is called. Node's own compile
// cache (module.enableCompileCache) keeps only what V8 compiled while
// loading a file, so every function a copy calls was compiled again on
// every start: 22 M of the 222 M instructions a same-registry promotion ran
// (callgrind, Node 22.23). The CLI build therefore compiles the commands
// bundle with every function compiled eagerly and writes V8's code cache
// beside it (`<bundle>.cache`); loading the bundle hands that cache to V8.
// V8 checks the cache against its own version, its flags and the source,
// and compiles as usual when it does not fit (another Node.js, a rebuilt
// bundle, NODE_OPTIONS with V8 flags), so a stale cache is only slower.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** The CommonJS wrapper; build and load must compile the very same text. */
export function wrap(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
}

/** The bundle in `file`, compiled (with `cachedData` when given). */
export function compile(file: string, cachedData?: Buffer): Script {
  return new Script(wrap(readFileSync(file, 'utf8')), {
    filename: file,
    cachedData,
  });
}

/** Whether the last {@link requireCompiled} could use its code cache (for the benchmark and tests). */
export let lastCodeCache: 'used' | 'rejected' | 'missing' = 'missing';

/**
 * Loads a CommonJS bundle like `require` does, with the code cache the
 * build wrote beside it when there is one that fits.
 */
export function requireCompiled<T>(file: string): T {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    // Built without a cache, or the cache was removed: compile as usual.
  }
  const script = compile(file, cachedData);
  if (cachedData) {
    lastCodeCache = script.cachedDataRejected ? 'rejected' : 'used';
  } else {
    lastCodeCache = 'missing';
  }
  const module = { exports: {} as T };
  script.runInThisContext()(
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
  );
  return module.exports;
}
