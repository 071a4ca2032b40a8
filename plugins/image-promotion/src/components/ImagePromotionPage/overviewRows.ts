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
  OverviewStatus,
} from '@image-promotion/plugin-image-promotion-common';
import { shortDigest, trackingReason } from '../shared/format';

/** An environment column of the overview: the union of the items' environments, in pipeline order. */
export interface EnvironmentColumn {
  id: string;
  title: string;
}

/**
 * The overview's filter menus and search field, one value each; the same semantics as the
 * `GET /overview` query, applied in the browser so filters stay instant.
 */
export interface OverviewFilters {
  owner?: string;
  system?: string;
  lifecycle?: string;
  status?: OverviewStatus;
  q?: string;
}

/** The status filter's choices, with their labels. */
export const STATUS_FILTERS: Array<{
  value: OverviewStatus;
  label: string;
}> = [
  { value: 'pending-approval', label: 'Waiting for approval' },
  { value: 'drift', label: 'Drift' },
  { value: 'failed', label: 'Last promotion failed' },
  { value: 'unreadable', label: 'Registry unreadable' },
  { value: 'behind', label: 'Behind' },
  { value: 'in-sync', label: 'In sync' },
];

/**
 * The environments across all items, each where it first appears in a pipeline; pipelines that
 * share environment ids (dev, qa, …) line up in one column.
 */
export function environmentColumns(items: OverviewItem[]): EnvironmentColumn[] {
  const columns: EnvironmentColumn[] = [];
  for (const item of items) {
    let insertAt = 0;
    for (const env of item.environments) {
      const existing = columns.findIndex(c => c.id === env.id);
      if (existing === -1) {
        columns.splice(insertAt, 0, { id: env.id, title: env.title });
        insertAt++;
      } else {
        insertAt = existing + 1;
      }
    }
  }
  return columns;
}

/** Promotions of the component waiting for approval, over all environments. */
export function pendingApprovalCount(item: OverviewItem): number {
  return item.environments.reduce((n, e) => n + e.pendingApprovals, 0);
}

/** Unacknowledged drift events of the component, over all environments. */
export function driftCount(item: OverviewItem): number {
  return item.environments.reduce((n, e) => n + e.drift, 0);
}

/** "QA: registry qa answered 401" for every environment whose latest promotion failed. */
export function describeFailures(item: OverviewItem): string[] {
  return item.environments.flatMap(e =>
    e.lastFailedPromotion
      ? [`${e.title}: ${e.lastFailedPromotion.failureReason ?? 'failed'}`]
      : [],
  );
}

/** "Production: it refused the connection" for every environment whose registry tracking could not read. */
export function describeTrackingErrors(item: OverviewItem): string[] {
  return item.environments.flatMap(e =>
    e.trackingError
      ? [`${e.title}: ${trackingReason(e.trackingError.message)}`]
      : [],
  );
}

/** Whether an item matches the filters (the same semantics `GET /overview` applies). */
export function matchesOverviewQuery(
  item: OverviewItem,
  filters: OverviewFilters,
): boolean {
  if (filters.owner && item.owner !== filters.owner) {
    return false;
  }
  if (filters.system && item.system !== filters.system) {
    return false;
  }
  if (filters.lifecycle && item.lifecycle !== filters.lifecycle) {
    return false;
  }
  if (filters.status && !item.statuses.includes(filters.status)) {
    return false;
  }
  const q = filters.q?.trim().toLocaleLowerCase('en-US');
  if (q) {
    const haystack = [
      item.entityRef,
      item.title,
      item.image,
      item.owner,
      item.system,
      ...item.environments.map(e => e.current?.tag),
      ...item.environments.flatMap(e => e.versionTags ?? []),
    ]
      .filter(Boolean)
      .join(' ')
      .toLocaleLowerCase('en-US');
    if (!haystack.includes(q)) {
      return false;
    }
  }
  return true;
}

/** The distinct owners, systems and lifecycles of the items, sorted, for the filter menus. */
export function filterOptions(items: OverviewItem[]) {
  const distinct = (pick: (item: OverviewItem) => string | null) =>
    [...new Set(items.map(pick).filter((v): v is string => Boolean(v)))].sort();
  return {
    owners: distinct(r => r.owner),
    systems: distinct(r => r.system),
    lifecycles: distinct(r => r.lifecycle),
  };
}

/** "3 versions / 12 days behind" (days left out when unknown), or undefined when in sync or first. */
export function describeBehind(
  behind: BehindSummary | null,
): string | undefined {
  if (!behind || behind.versions <= 0) {
    return undefined;
  }
  const versions = `${behind.versions} version${
    behind.versions === 1 ? '' : 's'
  }`;
  if (behind.days === null) {
    return `${versions} behind`;
  }
  const days = `${behind.days} day${behind.days === 1 ? '' : 's'}`;
  return `${versions} / ${days} behind`;
}

function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  // A leading =, +, - or @ makes spreadsheets evaluate the cell; neutralise it.
  if (/^[=+\-@]/.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The overview as CSV (RFC 4180, CRLF line ends), one line per component. */
export function overviewToCsv(
  items: OverviewItem[],
  columns: EnvironmentColumn[] = environmentColumns(items),
): string {
  const header = [
    'Component',
    'Title',
    'Owner',
    'System',
    'Lifecycle',
    'Image',
    'Pipeline',
    ...columns.flatMap(c => [
      `${c.title} version`,
      `${c.title} tag`,
      `${c.title} digest`,
      `${c.title} behind (versions)`,
      `${c.title} behind (days)`,
    ]),
    'Pending approvals',
    'Drift',
    'Last failed',
    'Unreadable registries',
    'Status',
  ];
  const lines = items.map(row => [
    row.entityRef,
    row.title,
    row.owner,
    row.system,
    row.lifecycle,
    row.image,
    row.pipeline,
    ...columns.flatMap(c => {
      const env = row.environments.find(e => e.id === c.id);
      return [
        env ? versionOf(env) : undefined,
        env?.current?.tag,
        env?.current?.digest,
        env?.behind?.versions,
        env?.behind?.days,
      ];
    }),
    pendingApprovalCount(row),
    driftCount(row),
    describeFailures(row).join('; '),
    describeTrackingErrors(row).join('; '),
    row.statuses.join(' '),
  ]);
  return `${[header, ...lines]
    .map(line => line.map(csvCell).join(','))
    .join('\r\n')}\r\n`;
}

/**
 * The version an environment runs, as a person names it: its version tags (`1.4.2`), else the
 * tag it was found under, else the short digest; empty when nothing runs there.
 */
export function versionOf(
  env: Pick<OverviewEnvironment, 'current' | 'versionTags'>,
): string {
  if (!env.current) {
    return '';
  }
  if (env.versionTags && env.versionTags.length > 0) {
    return env.versionTags.join(', ');
  }
  return env.current.tag ?? shortDigest(env.current.digest);
}

/** "1.4.2" for a cell, or an em dash when nothing runs there. */
export function describeCurrent(
  env: Pick<OverviewEnvironment, 'current' | 'versionTags'> &
    Partial<Pick<OverviewEnvironment, 'trackingError'>>,
): string {
  return versionOf(env) || (env.trackingError ? 'unknown' : '—');
}
