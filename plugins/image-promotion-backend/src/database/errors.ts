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

import { ConflictError } from '@backstage/errors';

/** Another promotion into the same component and environment is still open. */
export class OpenPromotionExistsError extends ConflictError {
  readonly openPromotionId: string;

  constructor(entityRef: string, targetEnvironment: string, openId: string) {
    super(
      `Promotion ${openId} into ${targetEnvironment} of ${entityRef} is still open; wait for it to finish or cancel it`,
    );
    this.openPromotionId = openId;
  }
}

/** The approver already decided on this promotion. */
export class DuplicateApprovalError extends ConflictError {
  constructor(promotionId: string, approver: string) {
    super(`${approver} has already decided on promotion ${promotionId}`);
  }
}
