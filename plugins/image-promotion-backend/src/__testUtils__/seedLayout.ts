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

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  Descriptor,
  MediaTypes,
  OciLayoutRepository,
  sha256Digest,
} from '@image-promotion/plugin-image-promotion-node';

async function putBytes(
  repository: OciLayoutRepository,
  bytes: Buffer,
  mediaType: string,
): Promise<Descriptor> {
  const descriptor = {
    mediaType,
    digest: sha256Digest(bytes),
    size: bytes.length,
  };
  await repository.putBlob(descriptor, async () => Readable.from([bytes]));
  return descriptor;
}

/** The OCI layout repository of `repository` under an `oci-layout` registry directory. */
export function layoutRepository(
  registryDir: string,
  repository: string,
): OciLayoutRepository {
  return new OciLayoutRepository(join(registryDir, repository));
}

/**
 * Writes a tiny single-platform image (random layer, so every call makes a
 * new digest) into an OCI layout and tags it.
 *
 * @returns the manifest digest
 */
export async function seedImage(
  registryDir: string,
  repository: string,
  tag: string,
): Promise<string> {
  const repo = layoutRepository(registryDir, repository);
  const layer = await putBytes(
    repo,
    randomBytes(256),
    'application/vnd.oci.image.layer.v1.tar',
  );
  const config = await putBytes(
    repo,
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      }),
    ),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config,
      layers: [layer],
    }),
  );
  return repo.putManifest(tag, manifest, MediaTypes.ociManifest);
}

/** What a tag of a layout repository points to now, if anything. */
export async function resolveTag(
  registryDir: string,
  repository: string,
  tag: string,
): Promise<string | undefined> {
  return (await layoutRepository(registryDir, repository).resolve(tag))?.digest;
}
