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
  BehindSummary,
  OverviewEnvironment,
  OverviewItem,
} from '@image-promotion/plugin-image-promotion-common';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const d = (c: string) => `sha256:${c.repeat(64)}`;

/** An environment running `version` (its tag besides the environment's marker tag, the id). */
function env(
  id: string,
  title: string,
  version: string | null,
  digestChar: string | null,
  behind: BehindSummary | null,
  overrides: Partial<OverviewEnvironment> = {},
): OverviewEnvironment {
  return {
    id,
    title,
    current: digestChar
      ? {
          digest: d(digestChar),
          tag: id,
          since: ago(1),
          by: null,
          promotionId: null,
        }
      : null,
    versionTags: digestChar && version ? [version] : [],
    behind,
    pendingApprovals: 0,
    drift: 0,
    lastFailedPromotion: null,
    trackingError: null,
    ...overrides,
  };
}

/** Three services: checkout behind in prod, search in sync with drift, billing failed. */
export function overviewItems(): OverviewItem[] {
  return [
    {
      entityRef: 'component:default/checkout',
      title: 'Checkout',
      owner: 'group:default/team-a',
      system: 'shop',
      lifecycle: 'production',
      image: 'checkout',
      pipeline: 'default',
      statuses: ['pending-approval', 'behind'],
      environments: [
        env('dev', 'Development', '1.4.0', 'c', null),
        env('qa', 'QA', '1.4.0', 'c', { versions: 0, days: 0 }),
        env(
          'prod',
          'Production',
          '1.2.0',
          'a',
          { versions: 7, days: 12 },
          { pendingApprovals: 1 },
        ),
      ],
    },
    {
      entityRef: 'component:default/search',
      title: null,
      owner: 'group:default/team-b',
      system: 'discovery',
      lifecycle: 'experimental',
      image: 'search',
      pipeline: 'default',
      statuses: ['drift'],
      environments: [
        env('dev', 'Development', '2.0.0', 'e', null),
        env('qa', 'QA', '2.0.0', 'e', { versions: 0, days: 0 }, { drift: 2 }),
        env('prod', 'Production', '2.0.0', 'e', { versions: 0, days: 0 }),
      ],
    },
    {
      entityRef: 'component:default/billing',
      title: 'Billing, "core"',
      owner: 'group:default/team-a',
      system: 'shop',
      lifecycle: 'production',
      image: 'billing',
      pipeline: 'default',
      statuses: ['failed', 'unreadable', 'behind'],
      environments: [
        env('dev', 'Development', '=cmd', 'f', null),
        env(
          'qa',
          'QA',
          null,
          null,
          { versions: 1, days: null },
          {
            lastFailedPromotion: {
              id: 'p-5',
              digest: d('f'),
              failureReason: 'registry qa answered 401',
              finishedAt: ago(0.1),
            },
          },
        ),
        env(
          'prod',
          'Production',
          null,
          null,
          { versions: 0, days: null },
          {
            trackingError: {
              message:
                'the prod registry at registry.example.com refused the connection; check that it is running',
              lastTriedAt: ago(0.01),
              failingSince: ago(0.5),
            },
          },
        ),
      ],
    },
  ];
}
