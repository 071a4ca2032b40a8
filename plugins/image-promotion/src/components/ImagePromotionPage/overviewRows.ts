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
  OverviewQuery,
  OverviewRow,
  OverviewStatusFilter,
} from '@image-promotion/plugin-image-promotion-common';
import { shortDigest } from '../shared/format';

/** An environment column of the overview: the union of the rows' environments, in pipeline order. */
export interface EnvironmentColumn {
  id: string;
  title: string;
}

/** The status filter's choices, with their labels. */
export const STATUS_FILTERS: Array<{
  value: OverviewStatusFilter;
  label: string;
}> = [
  { value: 'pending_approval', label: 'Waiting for approval' },
  { value: 'drift', label: 'Drift' },
  { value: 'failed', label: 'Last promotion failed' },
  { value: 'behind', label: 'Behind' },
  { value: 'in_sync', label: 'In sync' },
];

/**
 * The environments across all rows, each where it first appears in a pipeline; pipelines that
 * share environment ids (dev, qa, …) line up in one column.
 */
export function environmentColumns(rows: OverviewRow[]): EnvironmentColumn[] {
  const columns: EnvironmentColumn[] = [];
  for (const row of rows) {
    let insertAt = 0;
    for (const env of row.environments) {
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

/** Whether any environment of the row lags behind the one before it. */
export function isBehind(row: OverviewRow): boolean {
  return row.environments.some(e => (e.behind?.versions ?? 0) > 0);
}

/** Whether a row matches the overview query (the same semantics `GET /overview` applies). */
export function matchesOverviewQuery(
  row: OverviewRow,
  query: OverviewQuery,
): boolean {
  if (query.owner && row.owner !== query.owner) {
    return false;
  }
  if (query.system && row.system !== query.system) {
    return false;
  }
  if (query.lifecycle && row.lifecycle !== query.lifecycle) {
    return false;
  }
  switch (query.status) {
    case 'pending_approval':
      if (row.pendingApprovals === 0) return false;
      break;
    case 'drift':
      if (row.drift === 0) return false;
      break;
    case 'failed':
      if (!row.lastFailed) return false;
      break;
    case 'behind':
      if (!isBehind(row)) return false;
      break;
    case 'in_sync':
      if (isBehind(row)) return false;
      break;
    default:
      break;
  }
  const q = query.q?.trim().toLocaleLowerCase('en-US');
  if (q) {
    const haystack = [
      row.entityRef,
      row.title,
      row.image,
      row.owner,
      row.system,
      ...row.environments.map(e => e.current?.tag),
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

/** The distinct owners, systems and lifecycles of the rows, sorted, for the filter menus. */
export function filterOptions(rows: OverviewRow[]) {
  const distinct = (pick: (row: OverviewRow) => string | null) =>
    [...new Set(rows.map(pick).filter((v): v is string => Boolean(v)))].sort();
  return {
    owners: distinct(r => r.owner),
    systems: distinct(r => r.system),
    lifecycles: distinct(r => r.lifecycle),
  };
}

/** "3 versions / 12 days behind", or undefined when in sync or first. */
export function describeBehind(
  behind: { versions: number; days: number } | null,
): string | undefined {
  if (!behind || behind.versions <= 0) {
    return undefined;
  }
  const versions = `${behind.versions} version${
    behind.versions === 1 ? '' : 's'
  }`;
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
  rows: OverviewRow[],
  columns: EnvironmentColumn[] = environmentColumns(rows),
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
      `${c.title} tag`,
      `${c.title} digest`,
      `${c.title} behind (versions)`,
      `${c.title} behind (days)`,
    ]),
    'Pending approvals',
    'Drift',
    'Last failed',
  ];
  const lines = rows.map(row => [
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
        env?.current?.tag,
        env?.current?.digest,
        env?.behind?.versions,
        env?.behind?.days,
      ];
    }),
    row.pendingApprovals,
    row.drift,
    row.lastFailed
      ? `${row.lastFailed.targetEnvironment}: ${
          row.lastFailed.failureReason ?? 'failed'
        }`
      : '',
  ]);
  return `${[header, ...lines]
    .map(line => line.map(csvCell).join(','))
    .join('\r\n')}\r\n`;
}

/** "1.4.2 (0123456789ab)" for a cell, or an em dash when nothing runs there. */
export function describeCurrent(
  current: { digest: string; tag: string | null } | null | undefined,
): string {
  if (!current) {
    return '—';
  }
  return `${current.tag ?? 'untagged'} (${shortDigest(current.digest)})`;
}
