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

import { createBackend } from '@backstage/backend-defaults';
import { demoUsersAuthModule, demoUsersPlugin } from './modules/demoUsers';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));

// Demo sign-in: the "guest" button signs in as the demo user chosen with
// /api/demo-users/as/<name> (default guest), so a second person can approve.
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(demoUsersAuthModule);
backend.add(demoUsersPlugin);

backend.add(import('@backstage/plugin-catalog-backend'));

// Owners promote their services, release managers approve production (see
// modules/permissionPolicy.ts and the README's "Who may do what").
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('./modules/permissionPolicy'));

// Approvers, requesters and owners are told through notifications (the bell in the app);
// signals push every promotion change to open pages.
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

backend.add(import('@image-promotion/plugin-image-promotion-backend'));
// Templates can promote (image-promotion:promote, as the user running the
// template); agents reach the plugin's actions (status, preview, promote,
// approve) through the MCP server at /api/mcp-actions/v1 (see the README).
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(
  import('@image-promotion/plugin-scaffolder-backend-module-image-promotion'),
);
backend.add(import('@backstage/plugin-mcp-actions-backend'));
// Writes demo images into the dev and qa layouts on first start (see app-config.yaml).
backend.add(import('./modules/demoSeed'));

backend.start();
