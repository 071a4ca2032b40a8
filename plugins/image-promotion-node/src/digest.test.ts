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

import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestVerifier, isDigest, sha256Digest, verifyBytes } from './digest';
import { DigestMismatchError } from './errors';

const sink = () =>
  new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });

describe('digests', () => {
  it('tells digests from tags', () => {
    expect(isDigest(sha256Digest('x'))).toBe(true);
    expect(isDigest('v1.2.3')).toBe(false);
    expect(isDigest('latest')).toBe(false);
  });

  it('verifies bytes against a digest', () => {
    expect(() =>
      verifyBytes(Buffer.from('a'), sha256Digest('a'), 'm'),
    ).not.toThrow();
    expect(() => verifyBytes(Buffer.from('b'), sha256Digest('a'), 'm')).toThrow(
      DigestMismatchError,
    );
  });
});

describe('DigestVerifier', () => {
  const data = Buffer.from('hello world, these are the bytes of a blob');

  it('passes matching content through and reports progress', async () => {
    const seen: number[] = [];
    await pipeline(
      Readable.from([data.subarray(0, 10), data.subarray(10)]),
      new DigestVerifier({
        digest: sha256Digest(data),
        size: data.length,
        onProgress: n => seen.push(n),
      }),
      sink(),
    );
    expect(seen).toEqual([10, data.length]);
  });

  it('fails before the end on a digest mismatch', async () => {
    const chunks: Buffer[] = [];
    let finished = false;
    const out = new Writable({
      write(chunk, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
      final(cb) {
        finished = true;
        cb();
      },
    });
    await expect(
      pipeline(
        Readable.from([data]),
        new DigestVerifier({
          digest: sha256Digest('other'),
          size: data.length,
        }),
        out,
      ),
    ).rejects.toBeInstanceOf(DigestMismatchError);
    expect(finished).toBe(false);
  });

  it('fails on a size mismatch either way', async () => {
    await expect(
      pipeline(
        Readable.from([data]),
        new DigestVerifier({
          digest: sha256Digest(data),
          size: data.length + 1,
        }),
        sink(),
      ),
    ).rejects.toThrow(/size of blob/);
    await expect(
      pipeline(
        Readable.from([data]),
        new DigestVerifier({ digest: sha256Digest(data), size: 3 }),
        sink(),
      ),
    ).rejects.toThrow(/or more/);
  });

  it('refuses digests it cannot verify', () => {
    expect(() => new DigestVerifier({ digest: 'sha512:abc', size: 1 })).toThrow(
      DigestMismatchError,
    );
  });
});
