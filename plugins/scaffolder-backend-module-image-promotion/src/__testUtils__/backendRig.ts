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

/*
 * The image promotion backend's test rigs: the real plugin on a test backend,
 * real registries (docker-registry) and skopeo as the independent checker.
 * They are not an entry point of the backend package.
 */
/* eslint-disable @backstage/no-relative-monorepo-imports */
export {
  skopeoInspectRawDigest,
  startRegistry,
} from '../../../image-promotion-backend/src/__testUtils__/harness';
export type { TestRegistry } from '../../../image-promotion-backend/src/__testUtils__/harness';
export {
  componentEntity,
  pushImage,
  rawConfig,
} from '../../../image-promotion-backend/src/__testUtils__/integrationRig';
export {
  createLayouts,
  startApi,
} from '../../../image-promotion-backend/src/__testUtils__/testBackend';
export type {
  TestApi,
  TestLayouts,
} from '../../../image-promotion-backend/src/__testUtils__/testBackend';
/* eslint-enable @backstage/no-relative-monorepo-imports */
