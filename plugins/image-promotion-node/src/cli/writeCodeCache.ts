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

// Run by the CLI build (scripts/build-cli.js), never by the CLI itself.

import { writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { Script } from 'node:vm';
import { compile } from './codeCache';

/**
 * Writes `<file>.cache`: V8's code for every function of the bundle, for
 * `requireCompiled` (codeCache.ts). The build runs this in a Node.js process without
 * extra V8 flags, so that the flags V8 records in the cache are the ones the
 * CLI starts with.
 */
export function writeCodeCache(file: string): number {
  // --no-lazy compiles every function now instead of on its first call; the
  // flag is set back before the cache is written, so the cache carries the
  // default flags.
  setFlagsFromString('--no-lazy');
  let script: Script;
  try {
    script = compile(file);
  } finally {
    setFlagsFromString('--lazy');
  }
  const data = script.createCachedData();
  writeFileSync(`${file}.cache`, data);
  return data.length;
}
