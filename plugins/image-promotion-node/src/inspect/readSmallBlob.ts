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

import type { Descriptor, ImageRepository } from '../engine/types';
import { verifyBytes } from '../digest';
import { RegistryError } from '../errors';

/** Configs and signature payloads are small; anything larger is not what it claims to be. */
export const MAX_SMALL_BLOB_BYTES = 4 * 1024 * 1024;

/**
 * Reads a small blob (an image config, a signature payload) into memory and
 * verifies it against its digest. Refuses blobs over `maxBytes` before reading.
 */
export async function readSmallBlob(
  repository: ImageRepository,
  descriptor: Descriptor,
  signal?: AbortSignal,
  maxBytes = MAX_SMALL_BLOB_BYTES,
): Promise<Buffer> {
  if (descriptor.size > maxBytes) {
    throw new RegistryError(
      `blob ${descriptor.digest} of ${repository.location} is ${descriptor.size} bytes; at most ${maxBytes} are read for inspection`,
      { reference: descriptor.digest },
    );
  }
  const stream = await repository.openBlob(descriptor, signal);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    length += buffer.length;
    if (length > maxBytes) {
      stream.destroy();
      throw new RegistryError(
        `blob ${descriptor.digest} of ${repository.location} is larger than the ${maxBytes} bytes read for inspection`,
        { reference: descriptor.digest },
      );
    }
    chunks.push(buffer);
  }
  const bytes = Buffer.concat(chunks);
  verifyBytes(
    bytes,
    descriptor.digest,
    `blob ${descriptor.digest} of ${repository.location}`,
    {
      reference: descriptor.digest,
    },
  );
  return bytes;
}
