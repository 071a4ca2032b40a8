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

import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { DigestMismatchError, type RegistryErrorContext } from './errors';

const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const ANY_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Computes the `sha256:<hex>` digest of some bytes. */
export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Whether a string looks like a digest (`algorithm:encoded`), as opposed to a tag. */
export function isDigest(reference: string): boolean {
  return ANY_DIGEST.test(reference);
}

/**
 * Asserts that a digest is a well-formed sha256 digest. Other algorithms are
 * refused rather than silently not verified: a digest we cannot check is
 * worthless to a promotion.
 */
export function assertSha256Digest(
  digest: string,
  context: RegistryErrorContext = {},
): void {
  if (!SHA256_DIGEST.test(digest)) {
    throw new DigestMismatchError(
      'unsupported or malformed digest',
      'sha256:<64 lowercase hex digits>',
      digest,
      context,
    );
  }
}

/** Verifies that bytes hash to the expected digest; throws {@link DigestMismatchError} if not. */
export function verifyBytes(
  bytes: Buffer,
  expectedDigest: string,
  what: string,
  context: RegistryErrorContext = {},
): void {
  const actual = sha256Digest(bytes);
  if (actual !== expectedDigest) {
    throw new DigestMismatchError(what, expectedDigest, actual, context);
  }
}

/** Options of {@link DigestVerifier}. */
export interface DigestVerifierOptions {
  digest: string;
  size: number;
  /** Called with the running byte count after each chunk. */
  onProgress?: (transferred: number) => void;
  context?: RegistryErrorContext;
}

/**
 * A pass-through stream that hashes and counts what flows through it and
 * fails *before* its end is signalled downstream when the content does not
 * match. Piped into an upload request, the failure destroys the request before
 * its body is complete, so a registry never commits a corrupt blob; piped into
 * a temp file, the rename never happens.
 */
export class DigestVerifier extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private readonly options: DigestVerifierOptions;
  private transferred = 0;

  constructor(options: DigestVerifierOptions) {
    // 1 MiB buffers: fewer, bigger writes to sockets and files; still O(1) memory per blob.
    super({ highWaterMark: 1024 * 1024 });
    assertSha256Digest(options.digest, options.context);
    this.options = options;
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.transferred;
  }

  _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: TransformCallback,
  ): void {
    this.transferred += chunk.length;
    if (this.transferred > this.options.size) {
      // Fail as soon as we know, instead of streaming the rest of an oversized blob.
      callback(this.sizeError());
      return;
    }
    this.hash.update(chunk);
    this.options.onProgress?.(this.transferred);
    callback(null, chunk);
  }

  _flush(callback: TransformCallback): void {
    if (this.transferred !== this.options.size) {
      callback(this.sizeError());
      return;
    }
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (actual !== this.options.digest) {
      callback(
        new DigestMismatchError(
          `blob ${this.options.digest}`,
          this.options.digest,
          actual,
          { ...this.options.context, reference: this.options.digest },
        ),
      );
      return;
    }
    callback();
  }

  private sizeError(): DigestMismatchError {
    return new DigestMismatchError(
      `size of blob ${this.options.digest}`,
      `${this.options.size} bytes`,
      `${this.transferred} bytes${
        this.transferred > this.options.size ? ' or more' : ''
      }`,
      { ...this.options.context, reference: this.options.digest },
    );
  }
}
