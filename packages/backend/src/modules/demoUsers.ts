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

// Demo only. The example app needs two people to show the four-eyes rule
// (one requests a production promotion, another approves it), and the only
// sign-in that works without an identity provider is "guest". This module
// replaces the guest provider with one that signs in as the demo user named
// by a cookie (default: guest), and serves /api/demo-users/as/:name to set
// that cookie. Never use it outside a local demo.

import {
  coreServices,
  createBackendModule,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
  createProxyAuthenticator,
} from '@backstage/plugin-auth-node';
import Router from 'express-promise-router';

/** The cookie that names the demo user. */
export const DEMO_USER_COOKIE = 'image-promotion-demo-user';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Reads the demo user name from a Cookie header, if it is one of `allowed`. */
export function demoUserFromCookie(
  cookieHeader: string | undefined,
  allowed: string[],
): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === DEMO_USER_COOKIE) {
      const value = decodeURIComponent(rest.join('='));
      return NAME.test(value) && allowed.includes(value) ? value : undefined;
    }
  }
  return undefined;
}

/** Who the demo may sign in as when `auth.providers.guest.users` is not set. */
const DEFAULT_DEMO_USERS = ['guest'];

function demoUsers(config: {
  getOptionalStringArray(key: string): string[] | undefined;
}): string[] {
  return (
    config.getOptionalStringArray('auth.providers.guest.users') ??
    DEFAULT_DEMO_USERS
  );
}

const demoAuthenticator = createProxyAuthenticator({
  defaultProfileTransform: async (result: { user: string }) => ({
    profile: { displayName: result.user },
  }),
  initialize({ config }) {
    return {
      enabled: process.env.NODE_ENV === 'development',
      // `auth.providers.guest.users`: who the guest button may sign in as.
      allowed: config.getOptionalStringArray('users') ?? DEFAULT_DEMO_USERS,
    };
  },
  async authenticate({ req }, { enabled, allowed }) {
    if (!enabled) {
      throw new NotAllowedError(
        'The demo sign-in works only when NODE_ENV is development (yarn start)',
      );
    }
    // Only the chosen name leaves this function, never the Cookie header.
    const user = demoUserFromCookie(req.headers.cookie, allowed) ?? allowed[0];
    return { result: { user } };
  },
});

/** Signs in as the demo user chosen by cookie, in place of the guest provider. */
export const demoUsersAuthModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'demo-users-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
      },
      async init({ providers }) {
        providers.registerProvider({
          providerId: 'guest',
          factory: createProxyAuthProviderFactory({
            authenticator: demoAuthenticator,
            // authenticate() only ever returns one of the configured demo users.
            async signInResolver(info, ctx) {
              return ctx.signInWithCatalogUser({
                entityRef: `user:default/${info.result.user}`,
              });
            },
          }),
        });
      },
    });
  },
});

/** Serves `GET /api/demo-users/as/:name`: sets the cookie and goes back to the app. */
export const demoUsersPlugin = createBackendPlugin({
  pluginId: 'demo-users',
  register(reg) {
    reg.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        config: coreServices.rootConfig,
      },
      async init({ httpRouter, config }) {
        const allowed = demoUsers(config);
        const appUrl = config.getString('app.baseUrl');
        const router = Router();
        router.get('/as/:name', (req, res) => {
          const name = req.params.name;
          if (!allowed.includes(name)) {
            res.status(400).json({
              error: {
                message: `unknown demo user "${name}"; choose one of ${allowed.join(
                  ', ',
                )}`,
              },
            });
            return;
          }
          res.cookie(DEMO_USER_COOKIE, name, { sameSite: 'lax', path: '/' });
          res.redirect(appUrl);
        });
        router.get('/', (_req, res) => {
          res.json({ users: allowed });
        });
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});
