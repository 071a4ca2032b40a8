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

import type {
  BackstageCredentials,
  BackstageServicePrincipal,
  BackstageUserPrincipal,
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import type { Request } from 'express';
import type { Actor } from '../promotion/PromotionService';

/** Credentials of a person or a service; anonymous callers are refused. */
export type CallerCredentials = BackstageCredentials<
  BackstageUserPrincipal | BackstageServicePrincipal
>;

/** The caller of a request: Backstage credentials and who they act as. */
export interface Caller {
  credentials: CallerCredentials;
  actor: Actor;
}

/** Learns who calls: people through user tokens, CI through service tokens. */
export class CallerResolver {
  constructor(
    private readonly httpAuth: HttpAuthService,
    private readonly userInfo: UserInfoService,
  ) {}

  /** Credentials only, for read endpoints. */
  async credentials(req: Request): Promise<CallerCredentials> {
    return this.httpAuth.credentials(req, { allow: ['user', 'service'] });
  }

  /** Credentials and actor, for endpoints that change state. */
  async caller(req: Request): Promise<Caller> {
    return this.fromCredentials(await this.credentials(req));
  }

  /**
   * The actor behind credentials a caller already has (an action invoked
   * through the actions registry brings its own).
   */
  async fromCredentials(credentials: CallerCredentials): Promise<Caller> {
    if (credentials.principal.type === 'user') {
      const info = await this.userInfo.getUserInfo(credentials);
      return {
        credentials,
        actor: {
          userEntityRef: info.userEntityRef,
          ownershipEntityRefs: info.ownershipEntityRefs,
        },
      };
    }
    // A service principal (CI with a static or external token) acts as
    // itself; it owns nothing, so it cannot pass approver group checks.
    return {
      credentials,
      actor: {
        userEntityRef: credentials.principal.subject,
        ownershipEntityRefs: [],
      },
    };
  }
}
