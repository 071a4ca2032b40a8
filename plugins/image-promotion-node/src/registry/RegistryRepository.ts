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

import { pipeline, type Readable } from 'node:stream';
import type { AuthTarget } from '../auth/Authenticator';
import { pullScope, pushScope } from '../auth/scopes';
import {
  DigestVerifier,
  assertSha256Digest,
  isDigest,
  sha256Digest,
} from '../digest';
import type {
  BlobOutcome,
  Descriptor,
  FetchedManifest,
  ImageRepository,
} from '../engine/types';
import {
  DigestMismatchError,
  NotFoundError,
  RegistryError,
  isAbortError,
} from '../errors';
import {
  MANIFEST_ACCEPT,
  MAX_MANIFEST_BYTES,
  MediaTypes,
  parseManifest,
} from '../mediaTypes';
import {
  discardBody,
  headerValue,
  readBody,
  type HttpMethod,
  type HttpRequest,
  type HttpResponse,
} from '../transport/HttpTransport';
import { parseNextLink } from '../transport/linkHeader';
import {
  isRetryableError,
  isRetryableStatus,
  retryOperation,
} from '../transport/retry';
import type { RegistryClient } from './RegistryClient';
import { apiHostFor, normalizePathPrefix } from './RegistryClient';
import { prefetchBody } from './prefetch';
import { errorFromResponse } from './registryErrors';

/** Page size asked for when listing tags; registries may return fewer. */
const TAGS_PAGE_SIZE = 1000;
const MAX_TAGS_PAGE_BYTES = 16 * 1024 * 1024;

function contentType(response: HttpResponse): string | undefined {
  return headerValue(response.headers['content-type'])?.split(';')[0].trim();
}

/** A repository in an OCI distribution registry. Create through {@link RegistryClient.repository}. */
export class RegistryRepository implements ImageRepository {
  readonly location: string;
  readonly registryHost: string;
  readonly repository: string;
  /** Host the API is served from (`registry-1.docker.io` for `docker.io`). */
  readonly apiHost: string;
  /** Path the API lives under (`/artifactory/api/docker/<repo>`), `''` for `/v2/` at the root. */
  readonly pathPrefix: string;
  private readonly target: AuthTarget;

  constructor(
    /** The client this repository shares connections and tokens through. */
    readonly client: RegistryClient,
    registry: string,
    repository: string,
    options: { pathPrefix?: string } = {},
  ) {
    this.registryHost = registry.toLowerCase();
    this.repository = repository;
    this.apiHost = apiHostFor(this.registryHost);
    this.pathPrefix = normalizePathPrefix(options.pathPrefix);
    this.location = `${this.registryHost}${this.pathPrefix}/${repository}`;
    this.target = {
      apiHost: this.apiHost,
      credentialHost: this.registryHost,
      ...(this.pathPrefix ? { pathPrefix: this.pathPrefix } : {}),
    };
  }

  private url(path: string, query?: Record<string, string>): URL {
    const url = new URL(
      `${this.pathPrefix}/v2/${this.repository}/${path}`,
      this.client.baseUrl(this.target),
    );
    for (const [k, v] of Object.entries(query ?? {}))
      url.searchParams.set(k, v);
    return url;
  }

  private send(
    method: HttpMethod,
    url: URL,
    scopes: string[],
    extra: Partial<HttpRequest> = {},
  ): Promise<HttpResponse> {
    return this.client.send(this.target, { method, url, ...extra }, scopes);
  }

  private fail(
    response: HttpResponse,
    operation: string,
    reference?: string,
  ): Promise<RegistryError> {
    return errorFromResponse(response, {
      operation,
      registry: this.registryHost,
      repository: this.repository,
      reference,
      credentialSource: this.client.credentialSourceFor(this.registryHost),
    });
  }

  async resolve(
    reference: string,
    signal?: AbortSignal,
  ): Promise<Descriptor | undefined> {
    const response = await this.send(
      'HEAD',
      this.url(`manifests/${reference}`),
      [pullScope(this.repository)],
      { headers: { accept: MANIFEST_ACCEPT }, signal },
    );
    discardBody(response);
    if (response.status === 404) return undefined;
    if (response.status !== 200)
      throw await this.fail(response, 'resolve', reference);
    const digest = headerValue(response.headers['docker-content-digest']);
    const mediaType = contentType(response);
    const size = Number(response.headers['content-length']);
    if (
      digest &&
      mediaType &&
      Number.isSafeInteger(size) &&
      (!isDigest(reference) || digest === reference)
    ) {
      return { mediaType, digest, size };
    }
    // Some registries omit the digest (or type) on HEAD: fetch and compute it.
    try {
      return (await this.getManifest(reference, signal)).descriptor;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async getManifest(
    reference: string,
    signal?: AbortSignal,
  ): Promise<FetchedManifest> {
    const response = await this.send(
      'GET',
      this.url(`manifests/${reference}`),
      [pullScope(this.repository)],
      { headers: { accept: MANIFEST_ACCEPT }, signal },
    );
    if (response.status !== 200)
      throw await this.fail(response, 'get manifest', reference);
    const bytes = await readBody(response, MAX_MANIFEST_BYTES);
    const actual = sha256Digest(bytes);
    const reported = headerValue(response.headers['docker-content-digest']);
    // A digest reference is the strongest claim; otherwise hold the registry to its own word.
    let expected: string | undefined;
    if (isDigest(reference)) expected = reference;
    else if (reported?.startsWith('sha256:')) expected = reported;
    if (expected && expected !== actual) {
      throw new DigestMismatchError(
        `manifest ${this.location}${
          isDigest(reference) ? '@' : ':'
        }${reference}`,
        expected,
        actual,
        { registry: this.registryHost, repository: this.repository, reference },
      );
    }
    const mediaType = parseManifest(bytes, contentType(response)).mediaType;
    return {
      descriptor: { mediaType, digest: actual, size: bytes.length },
      bytes,
    };
  }

  async putManifest(
    reference: string,
    bytes: Buffer,
    mediaType: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const digest = sha256Digest(bytes);
    const context = {
      registry: this.registryHost,
      repository: this.repository,
      reference,
    };
    if (isDigest(reference) && reference !== digest) {
      throw new DigestMismatchError(
        'manifest to push',
        reference,
        digest,
        context,
      );
    }
    const response = await this.send(
      'PUT',
      this.url(`manifests/${reference}`),
      [pushScope(this.repository)],
      { headers: { 'content-type': mediaType }, body: bytes, signal },
    );
    if (response.status !== 201 && response.status !== 200) {
      throw await this.fail(response, 'push manifest', reference);
    }
    discardBody(response);
    const reported = headerValue(response.headers['docker-content-digest']);
    if (reported && reported !== digest) {
      throw new DigestMismatchError(
        `digest reported by ${this.registryHost} for the pushed manifest`,
        digest,
        reported,
        context,
      );
    }
    return digest;
  }

  async hasBlob(digest: string, signal?: AbortSignal): Promise<boolean> {
    const response = await this.send(
      'HEAD',
      this.url(`blobs/${digest}`),
      [pullScope(this.repository)],
      {
        signal,
      },
    );
    discardBody(response);
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await this.fail(response, 'check blob', digest);
  }

  /**
   * Opens a blob for streaming. The stream is not verified here: whoever
   * stores it ({@link putBlob} of either repository type) verifies digest and
   * size while writing, so each copied byte is hashed once, not twice.
   */
  async openBlob(
    descriptor: Descriptor,
    signal?: AbortSignal,
  ): Promise<Readable> {
    const response = await this.send(
      'GET',
      this.url(`blobs/${descriptor.digest}`),
      [pullScope(this.repository)],
      { signal },
    );
    if (response.status !== 200)
      throw await this.fail(response, 'get blob', descriptor.digest);
    return response.body;
  }

  async putBlob(
    descriptor: Descriptor,
    open: () => Promise<Readable>,
    options: {
      mountFrom?: ImageRepository;
      onProgress?: (transferred: number) => void;
      signal?: AbortSignal;
    } = {},
  ): Promise<BlobOutcome> {
    assertSha256Digest(descriptor.digest);
    const { signal } = options;
    const mountFrom =
      options.mountFrom instanceof RegistryRepository &&
      options.mountFrom.apiHost === this.apiHost &&
      options.mountFrom.pathPrefix === this.pathPrefix &&
      options.mountFrom.repository !== this.repository
        ? options.mountFrom
        : undefined;
    const transport = this.client.transport;
    // The whole POST+PUT is retried, not the PUT alone: a half-written upload
    // session cannot be trusted to accept the body a second time.
    return retryOperation(
      () =>
        this.uploadOnce(
          descriptor,
          open,
          mountFrom,
          options.onProgress,
          signal,
        ),
      {
        policy: transport.retryPolicy,
        isRetryable: error =>
          !isAbortError(error) &&
          (isRetryableError(error) ||
            (error instanceof RegistryError &&
              !(error instanceof DigestMismatchError) &&
              error.status !== undefined &&
              isRetryableStatus(error.status))),
        onRetry: event => transport.notifyRetry(event),
        description: `${this.location}@${descriptor.digest}`,
        registry: this.registryHost,
        subject: `the upload of blob ${descriptor.digest} to ${this.repository}`,
        signal,
      },
    );
  }

  private async uploadOnce(
    descriptor: Descriptor,
    open: () => Promise<Readable>,
    mountFrom: RegistryRepository | undefined,
    onProgress: ((transferred: number) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<BlobOutcome> {
    const scopes = mountFrom
      ? [pushScope(this.repository), pullScope(mountFrom.repository)]
      : [pushScope(this.repository)];
    // Without a mount to try, the bytes will be needed: the source's GET goes
    // out with the POST instead of after it. With one, a 201 needs no bytes.
    const body = mountFrom ? undefined : prefetchBody(open);
    try {
      return await this.startAndSend(
        descriptor,
        body ? () => body.open() : open,
        mountFrom,
        scopes,
        onProgress,
        signal,
      );
    } finally {
      body?.discard();
    }
  }

  private async startAndSend(
    descriptor: Descriptor,
    open: () => Promise<Readable>,
    mountFrom: RegistryRepository | undefined,
    scopes: string[],
    onProgress: ((transferred: number) => void) | undefined,
    signal: AbortSignal | undefined,
  ): Promise<BlobOutcome> {
    const start = await this.send(
      'POST',
      this.url(
        'blobs/uploads/',
        mountFrom
          ? { mount: descriptor.digest, from: mountFrom.repository }
          : undefined,
      ),
      scopes,
      { headers: { 'content-length': '0' }, signal },
    );
    if (start.status === 201 && mountFrom) {
      discardBody(start);
      this.checkReportedDigest(start, descriptor.digest);
      onProgress?.(descriptor.size);
      return 'mounted';
    }
    if (start.status !== 202)
      throw await this.fail(start, 'start blob upload', descriptor.digest);
    discardBody(start);
    const location = headerValue(start.headers.location);
    if (!location) {
      throw new RegistryError(
        `${this.registryHost} started an upload without telling where to send it (no Location header)`,
        {
          registry: this.registryHost,
          repository: this.repository,
          status: 202,
        },
      );
    }
    const uploadUrl = new URL(location, start.url);
    uploadUrl.searchParams.set('digest', descriptor.digest);
    const context = {
      registry: this.registryHost,
      repository: this.repository,
    };
    const response = await this.send('PUT', uploadUrl, scopes, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(descriptor.size),
      },
      body: async () => {
        const source = await open();
        const verifier = new DigestVerifier({
          digest: descriptor.digest,
          size: descriptor.size,
          onProgress,
          context,
        });
        // Errors of either side destroy the verifier, which in turn destroys
        // the request before its body completes: nothing gets committed.
        pipeline(source, verifier, () => {});
        return verifier;
      },
      retry: false,
      signal,
    });
    if (
      response.status !== 201 &&
      response.status !== 204 &&
      response.status !== 200
    ) {
      throw await this.fail(response, 'upload blob', descriptor.digest);
    }
    discardBody(response);
    this.checkReportedDigest(response, descriptor.digest);
    return 'uploaded';
  }

  private checkReportedDigest(response: HttpResponse, expected: string): void {
    const reported = headerValue(response.headers['docker-content-digest']);
    if (reported && reported !== expected) {
      throw new DigestMismatchError(
        `digest reported by ${this.registryHost} for an uploaded blob`,
        expected,
        reported,
        {
          registry: this.registryHost,
          repository: this.repository,
          reference: expected,
        },
      );
    }
  }

  async listTags(signal?: AbortSignal): Promise<string[]> {
    const tags: string[] = [];
    let url: URL | undefined = this.url('tags/list', {
      n: String(TAGS_PAGE_SIZE),
    });
    const seen = new Set<string>();
    while (url) {
      // A registry that links back to a page it already served would loop forever.
      if (seen.has(url.href)) break;
      seen.add(url.href);
      const response: HttpResponse = await this.send(
        'GET',
        url,
        [pullScope(this.repository)],
        {
          signal,
        },
      );
      if (response.status === 404 && tags.length === 0) {
        discardBody(response);
        return [];
      }
      if (response.status !== 200) throw await this.fail(response, 'list tags');
      const body = await readBody(response, MAX_TAGS_PAGE_BYTES);
      let page: { tags?: unknown };
      try {
        page = JSON.parse(body.toString('utf8'));
      } catch {
        throw new RegistryError(
          `${this.registryHost} returned an unreadable tag list`,
          {
            registry: this.registryHost,
            repository: this.repository,
          },
        );
      }
      if (Array.isArray(page.tags)) {
        tags.push(
          ...page.tags.filter((t): t is string => typeof t === 'string'),
        );
      }
      url = parseNextLink(response.headers.link, response.url);
    }
    return tags;
  }

  async listReferrers(
    digest: string,
    signal?: AbortSignal,
  ): Promise<Descriptor[]> {
    assertSha256Digest(digest);
    const found = new Map<string, Descriptor>();
    const response = await this.send(
      'GET',
      this.url(`referrers/${digest}`),
      [pullScope(this.repository)],
      { headers: { accept: MediaTypes.ociIndex }, signal },
    );
    if (
      response.status === 200 &&
      contentType(response) === MediaTypes.ociIndex
    ) {
      const bytes = await readBody(response, MAX_MANIFEST_BYTES);
      for (const d of parseManifest(bytes, MediaTypes.ociIndex).manifests)
        found.set(d.digest, d);
    } else if (response.status === 401 || response.status === 403) {
      throw await this.fail(response, 'list referrers', digest);
    } else {
      // 404/400/405: no referrers API; the fallback tag below is all there is.
      discardBody(response);
    }
    // Old clients (and we, on registries without the API) record referrers in
    // the `sha256-<hex>` tag index; read it too so none get lost.
    const fallbackTag = digest.replace(':', '-');
    const fallback = await this.resolve(fallbackTag, signal);
    if (fallback) {
      const index = await this.getManifest(fallback.digest, signal);
      const parsed = parseManifest(index.bytes, index.descriptor.mediaType);
      for (const d of parsed.manifests)
        if (!found.has(d.digest)) found.set(d.digest, d);
    }
    return [...found.values()];
  }
}
