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

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Descriptor } from '../engine/types';
import { MEDIA_TYPES } from './mediaTypes';
import type { TestUser } from './registry';

/** Options of {@link pushRaw}. */
export interface RawPushOptions {
  creds?: TestUser;
}

const MANIFEST_TYPES = new Set<string>([
  MEDIA_TYPES.manifest,
  MEDIA_TYPES.index,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

interface ManifestJson {
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
}

function parseChallenge(header: string): {
  scheme: string;
  params: Record<string, string>;
} {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  const pattern = /(\w+)="([^"]*)"/g;
  let match = pattern.exec(header);
  while (match) {
    params[match[1]] = match[2];
    match = pattern.exec(header);
  }
  return { scheme, params };
}

/**
 * A deliberately small pusher for artefacts skopeo 1.9 refuses to copy with
 * preserved digests (an index listing non-image artefacts, such as a
 * referrers fallback index). Reads blobs from an OCI layout and pushes a
 * manifest with everything below it, byte for byte, over plain http with
 * anonymous, Basic or Bearer auth. Blobs are buffered: use it for small
 * artefacts, and skopeo for images.
 */
export async function pushRaw(
  layoutDir: string,
  descriptor: Descriptor,
  destination: string,
  options: RawPushOptions = {},
): Promise<void> {
  const slash = destination.indexOf('/');
  const host = destination.slice(0, slash);
  const rest = destination.slice(slash + 1);
  const colon = rest.lastIndexOf(':');
  const repository = colon < 0 ? rest : rest.slice(0, colon);
  const tag = colon < 0 ? undefined : rest.slice(colon + 1);
  const base = `http://${host}`;
  let authorization: string | undefined;

  const authenticate = async (challenge: string) => {
    const { scheme, params } = parseChallenge(challenge);
    const basic = options.creds
      ? `Basic ${Buffer.from(
          `${options.creds.username}:${options.creds.password}`,
        ).toString('base64')}`
      : undefined;
    if (scheme === 'basic') {
      if (!basic) {
        throw new Error(`${host} wants Basic credentials`);
      }
      authorization = basic;
      return;
    }
    const url = new URL(params.realm);
    if (params.service) {
      url.searchParams.set('service', params.service);
    }
    url.searchParams.set('scope', `repository:${repository}:pull,push`);
    const response = await fetch(url, {
      headers: basic ? { authorization: basic } : {},
    });
    if (!response.ok) {
      throw new Error(
        `token request to ${url.origin} failed: ${response.status}`,
      );
    }
    const body = (await response.json()) as {
      token?: string;
      access_token?: string;
    };
    authorization = `Bearer ${body.token ?? body.access_token}`;
  };

  const call = async (
    method: string,
    url: string,
    headers: Record<string, string> = {},
    body?: Buffer,
  ): Promise<Response> => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(url.startsWith('http') ? url : base + url, {
        method,
        headers: {
          ...headers,
          ...(authorization ? { authorization } : {}),
        },
        body,
      });
      const challenge = response.headers.get('www-authenticate');
      if (response.status === 401 && challenge && attempt === 0) {
        await response.arrayBuffer();
        await authenticate(challenge);
        continue;
      }
      return response;
    }
    throw new Error(`${method} ${url}: still unauthorized`);
  };

  const expectOk = async (response: Response, what: string) => {
    if (!response.ok) {
      throw new Error(`${what}: ${response.status} ${await response.text()}`);
    }
    await response.arrayBuffer();
  };

  const blobBytes = (digest: string) =>
    readFile(
      join(layoutDir, 'blobs', 'sha256', digest.replace(/^sha256:/, '')),
    );

  const pushBlob = async (blob: Descriptor) => {
    const head = await call('HEAD', `/v2/${repository}/blobs/${blob.digest}`);
    if (head.ok) {
      return;
    }
    const start = await call('POST', `/v2/${repository}/blobs/uploads/`);
    const location = start.headers.get('location');
    await expectOk(start, `start upload of ${blob.digest}`);
    if (!location) {
      throw new Error(`no upload location for ${blob.digest}`);
    }
    const target = new URL(location, base);
    target.searchParams.set('digest', blob.digest);
    const put = await call(
      'PUT',
      target.toString(),
      { 'content-type': 'application/octet-stream' },
      await blobBytes(blob.digest),
    );
    await expectOk(put, `upload of ${blob.digest}`);
  };

  const pushManifest = async (manifest: Descriptor, reference: string) => {
    const bytes = await blobBytes(manifest.digest);
    const parsed = JSON.parse(bytes.toString('utf8')) as ManifestJson;
    for (const child of parsed.manifests ?? []) {
      await pushManifest(child, child.digest);
    }
    for (const blob of [
      ...(parsed.config ? [parsed.config] : []),
      ...(parsed.layers ?? []),
    ]) {
      if (MANIFEST_TYPES.has(blob.mediaType)) {
        await pushManifest(blob, blob.digest);
      } else {
        await pushBlob(blob);
      }
    }
    const put = await call(
      'PUT',
      `/v2/${repository}/manifests/${reference}`,
      { 'content-type': manifest.mediaType },
      bytes,
    );
    await expectOk(put, `manifest ${manifest.digest} as ${reference}`);
  };

  await pushManifest(descriptor, tag ?? descriptor.digest);
}
