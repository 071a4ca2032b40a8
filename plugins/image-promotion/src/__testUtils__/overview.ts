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

import type { OverviewRow } from '@image-promotion/plugin-image-promotion-common';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const d = (c: string) => `sha256:${c.repeat(64)}`;

/** Three services: checkout behind in prod, search in sync with drift, billing failed. */
export function overviewRows(): OverviewRow[] {
  const env = (
    id: string,
    title: string,
    tag: string | null,
    digestChar: string | null,
    behind: { versions: number; days: number } | null,
  ) => ({
    id,
    title,
    current: digestChar ? { digest: d(digestChar), tag, since: ago(1) } : null,
    behind,
  });
  return [
    {
      entityRef: 'component:default/checkout',
      title: 'Checkout',
      owner: 'group:default/team-a',
      system: 'shop',
      lifecycle: 'production',
      image: 'checkout',
      pipeline: 'default',
      environments: [
        env('dev', 'Development', '1.4.0', 'c', null),
        env('qa', 'QA', '1.4.0', 'c', { versions: 0, days: 0 }),
        env('prod', 'Production', '1.2.0', 'a', { versions: 7, days: 12 }),
      ],
      pendingApprovals: 1,
      drift: 0,
      lastFailed: null,
    },
    {
      entityRef: 'component:default/search',
      title: null,
      owner: 'group:default/team-b',
      system: 'discovery',
      lifecycle: 'experimental',
      image: 'search',
      pipeline: 'default',
      environments: [
        env('dev', 'Development', '2.0.0', 'e', null),
        env('qa', 'QA', '2.0.0', 'e', { versions: 0, days: 0 }),
        env('prod', 'Production', '2.0.0', 'e', { versions: 0, days: 0 }),
      ],
      pendingApprovals: 0,
      drift: 2,
      lastFailed: null,
    },
    {
      entityRef: 'component:default/billing',
      title: 'Billing, "core"',
      owner: 'group:default/team-a',
      system: 'shop',
      lifecycle: 'production',
      image: 'billing',
      pipeline: 'default',
      environments: [
        env('dev', 'Development', '=cmd', 'f', null),
        env('qa', 'QA', null, null, { versions: 1, days: 3 }),
        env('prod', 'Production', null, null, null),
      ],
      pendingApprovals: 0,
      drift: 0,
      lastFailed: {
        promotionId: 'p-5',
        targetEnvironment: 'qa',
        failureReason: 'registry qa answered 401',
        finishedAt: ago(0.1),
      },
    },
  ];
}
