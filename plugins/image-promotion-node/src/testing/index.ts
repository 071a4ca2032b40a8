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
 * Real-infrastructure test harness: distribution registries, a token server,
 * a fault-injecting proxy, OCI layout fixtures and skopeo-based verification.
 * Used by the integration suites and the copy benchmark; not part of the
 * published API.
 */

export { startRegistry, renderHtpasswd } from './registry';
export type {
  RegistryAuth,
  StartRegistryOptions,
  TestRegistry,
  TestUser,
} from './registry';
export { startTokenServer, parseScope } from './tokenServer';
export type {
  TokenAccess,
  TokenRequestRecord,
  TokenServer,
  TokenServerOptions,
} from './tokenServer';
export {
  startFaultProxy,
  isAnyRequest,
  isBlobGet,
  isBlobUpload,
  isManifestPut,
  isManifestRead,
} from './faultProxy';
export type {
  Fault,
  FaultProxy,
  FaultProxyOptions,
  FaultRule,
  FaultRuleState,
  ProxyLogEntry,
  ProxyRequestInfo,
} from './faultProxy';
export {
  createOciLayout,
  pushWithSkopeo,
  pushSignature,
  sha256Digest,
  digestTag,
  MEDIA_TYPES,
  DEFAULT_PLATFORMS,
} from './fixtures';
export type {
  ImageFixture,
  ImageOptions,
  IndexFixture,
  IndexOptions,
  LayerFixture,
  OciLayoutFixture,
  PushOptions,
  SignatureFixture,
} from './fixtures';
export {
  addCosignSignature,
  generateCosignKeyPair,
  simpleSigningPayload,
} from './cosign';
export type { CosignKeyPair, CosignSignatureOptions } from './cosign';
export { startEcrStandIn } from './ecrStandIn';
export type {
  AwsStandInRequest,
  EcrStandIn,
  EcrStandInOptions,
  StandInAwsKey,
} from './ecrStandIn';
export { startGoogleStandIn } from './googleStandIn';
export type { GoogleStandIn, GoogleStandInOptions } from './googleStandIn';
export { letGaxiosUseNodeFetch } from './jestGaxios';
export { pushRaw } from './rawPush';
export type { RawPushOptions } from './rawPush';
export {
  skopeoCopy,
  skopeoCopyToDir,
  skopeoInspectRaw,
  skopeoInspectRawDigest,
  skopeoTags,
  toSkopeoRef,
} from './skopeo';
export type {
  SkopeoCopyOptions,
  SkopeoCredentials,
  SkopeoOptions,
} from './skopeo';
export { makeTempDir, removeTempDir } from './tempDir';
export { findFreePort } from './ports';
export { runCommand } from './run';
export type { CommandResult, RunCommandOptions } from './run';
export { startEntraAuthority } from './entraAuthority';
export type {
  EntraAuthority,
  EntraAuthorityOptions,
  EntraClient,
  EntraIssuedToken,
  EntraTokenRequest,
} from './entraAuthority';
export { startAcrRegistry } from './acrRegistry';
export type {
  AcrExchangeRecord,
  AcrRegistry,
  AcrRegistryOptions,
} from './acrRegistry';
export { startReverseProxy } from './reverseProxy';
export type {
  ReverseProxy,
  ReverseProxyOptions,
  UpstreamTarget,
} from './reverseProxy';
export { startPathPrefixProxy } from './pathPrefixProxy';
export type { PathPrefixProxy, PathPrefixRoute } from './pathPrefixProxy';
