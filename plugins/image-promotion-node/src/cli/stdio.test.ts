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

import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../testing/tempDir';
import { descriptorStream } from './stdio';

describe('descriptorStream', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('stdio');
  });
  afterEach(() => removeTempDir(dir));

  it('writes every byte, in order, to its file descriptor', () => {
    const file = join(dir, 'out');
    const fd = openSync(file, 'w');
    const unused = jest.fn();
    try {
      const out = descriptorStream(fd, unused);
      out.write('0.1.0\n');
      out.write('ünïcödé ✓\n');
      out.write('x'.repeat(200_000));
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).toBe(
      `0.1.0\nünïcödé ✓\n${'x'.repeat(200_000)}`,
    );
    expect(unused).not.toHaveBeenCalled();
  });

  it('answers isTTY for its descriptor', () => {
    const fd = openSync(join(dir, 'file'), 'w');
    try {
      expect(descriptorStream(fd, jest.fn()).isTTY).toBe(false);
    } finally {
      closeSync(fd);
    }
  });
});
