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

// Paths inside the Backstage app that notifications and other messages link to. The frontend
// plugin mounts its pages at these paths; keep both sides in step.

/**
 * Path of the approvals inbox page.
 *
 * @public
 */
export const APPROVALS_INBOX_PATH = '/image-promotion/approvals';

/**
 * Query parameter of the Promotion tab that opens one promotion's detail view.
 *
 * @public
 */
export const PROMOTION_QUERY_PARAMETER = 'promotion';

/**
 * Path of a component's Promotion tab (`/catalog/default/component/checkout/promotion`),
 * opening one promotion's detail view when `promotionId` is given.
 *
 * @public
 */
export function entityPromotionPath(
  entityRef: string,
  promotionId?: string,
): string {
  const match = /^([^:/]+):(?:([^:/]+)\/)?([^:/]+)$/.exec(entityRef.trim());
  const [kind, namespace, name] = match
    ? [match[1], match[2] ?? 'default', match[3]]
    : ['component', 'default', entityRef];
  const path = [namespace, kind.toLocaleLowerCase('en-US'), name]
    .map(encodeURIComponent)
    .join('/');
  const query = promotionId
    ? `?${PROMOTION_QUERY_PARAMETER}=${encodeURIComponent(promotionId)}`
    : '';
  return `/catalog/${path}/promotion${query}`;
}
