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

/**
 * OCI registry client and copy engine for image promotion. No Backstage
 * dependency: the backend and the CLI both build on this.
 *
 * @packageDocumentation
 */

export * from './engine/types';
export * from './errors';
export { redactCredentials } from './redact';
export {
  DigestVerifier,
  isDigest,
  sha256Digest,
  verifyBytes,
  type DigestVerifierOptions,
} from './digest';
export {
  MANIFEST_ACCEPT,
  MediaTypes,
  isIndexMediaType,
  isManifestMediaType,
  parseManifest,
  type ParsedManifest,
} from './mediaTypes';

export {
  ChainCredentialProvider,
  StaticCredentialProvider,
  normalizeRegistryHost,
  type CredentialProvider,
  type RegistryCredential,
} from './auth/credentials';
export {
  DockerConfigCredentialProvider,
  defaultDockerConfigPath,
  parseDockerConfig,
  type DockerConfigCredentials,
} from './auth/dockerConfig';
export {
  DEFAULT_CREDENTIAL_HELPER_TIMEOUT_MS,
  runCredentialHelper,
  type CredentialHelperOptions,
} from './auth/credentialHelper';
export * from './auth/cloud';
export {
  parseWwwAuthenticate,
  type AuthChallenge,
} from './auth/wwwAuthenticate';

export {
  DEFAULT_USER_AGENT,
  HttpTransport,
  type HttpTransportOptions,
} from './transport/HttpTransport';
export {
  DEFAULT_REGISTRY_TIMEOUTS,
  resolveTimeouts,
  type RegistryTimeouts,
} from './transport/deadlines';
export {
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryEvent,
  type RetryPolicy,
} from './transport/retry';
export { parseNextLink } from './transport/linkHeader';

export {
  RegistryClient,
  apiHostFor,
  normalizePathPrefix,
  type RegistryClientOptions,
} from './registry/RegistryClient';
export { RegistryRepository } from './registry/RegistryRepository';
export {
  OciLayoutRepository,
  REF_NAME_ANNOTATION,
} from './layout/OciLayoutRepository';

export { DEFAULT_CONCURRENCY, copyImage, resolveImage } from './copy/copyImage';
export {
  OCI_LAYOUT_PREFIX,
  openImageRepository,
  type OpenImageRepositoryOptions,
  type OpenedImage,
} from './copy/openImageRepository';
export {
  parsePlatform,
  formatPlatform,
  type PlatformSpec,
} from './copy/platforms';

export {
  ImageInspector,
  MAX_SMALL_BLOB_BYTES,
  readSmallBlob,
  type ImageInspectorOptions,
  type InspectedImage,
  type InspectedPlatform,
} from './inspect';
