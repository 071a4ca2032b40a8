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

import { parseEntityRef } from '@backstage/catalog-model';
import {
  ContentHeader,
  Link,
  Progress,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import {
  entityRouteRef,
  humanizeEntityRef,
} from '@backstage/plugin-catalog-react';
import {
  APPROVALS_INBOX_PATH,
  OverviewItem,
  OverviewStatus,
} from '@image-promotion/plugin-image-promotion-common';
import { Link as RouterLink } from 'react-router-dom';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import GetAppIcon from '@material-ui/icons/GetApp';
import { useMemo, useState } from 'react';
import { imagePromotionApiRef } from '../../api';
import { usePromotionSignals } from '../../hooks/usePromotionSignals';
import { StatusErrorPanel } from '../shared/StatusErrorPanel';
import {
  formatAge,
  formatDateTime,
  humanizeUserRef,
  shortDigest,
  trackingReason,
} from '../shared/format';
import { DeliveryMetricsPanel, METRICS_DAYS } from './DeliveryMetricsPanel';
import { useOverviewPages } from './useOverviewPages';
import {
  describeBehind,
  describeCurrent,
  driftCount,
  environmentColumns,
  filterOptions,
  matchesOverviewQuery,
  OverviewFilters,
  overviewToCsv,
  pendingApprovalCount,
  STATUS_FILTERS,
} from './overviewRows';

const useStyles = makeStyles(theme => ({
  // The theme's grey label and red caption fall below 4.5:1 on the page and
  // table backgrounds (axe-core); primary text keeps them readable.
  filterLabel: { color: theme.palette.text.primary },
  behind: { color: theme.palette.text.primary, fontWeight: 600 },
  filters: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    alignItems: 'flex-end',
    marginBottom: theme.spacing(2),
  },
  select: { minWidth: 160 },
  digest: { fontFamily: 'monospace', display: 'block', whiteSpace: 'nowrap' },
  section: { marginTop: theme.spacing(4) },
}));

/** Offers `content` as a file download, the way browsers do it for generated data. */
export function downloadFile(name: string, content: string, type: string) {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  // Revoke later: some browsers start the download asynchronously.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const FilterSelect = (props: {
  label: string;
  value: string;
  options: Array<{ value: string; label: string }>;
  onChange: (value: string) => void;
}) => {
  const classes = useStyles();
  return (
    <TextField
      select
      id={`overview-filter-${props.label.toLocaleLowerCase('en-US')}`}
      label={props.label}
      value={props.value}
      onChange={e => props.onChange(e.target.value)}
      className={classes.select}
      SelectProps={{ displayEmpty: true }}
      InputLabelProps={{ shrink: true, className: classes.filterLabel }}
    >
      <MenuItem value="">All</MenuItem>
      {props.options.map(o => (
        <MenuItem key={o.value} value={o.value}>
          {o.label}
        </MenuItem>
      ))}
    </TextField>
  );
};

const asOptions = (values: string[]) =>
  values.map(v => ({ value: v, label: v }));

/** The link to a component's Promotion tab, where the overview's reader acts on what they see. */
const PromotionTabLink = (props: {
  entityRef: string;
  title: string | null;
}) => {
  const entityRoute = useRouteRef(entityRouteRef);
  const ref = parseEntityRef(props.entityRef);
  const name =
    props.title ?? humanizeEntityRef(ref, { defaultKind: 'component' });
  return (
    <Link
      to={`${entityRoute({
        kind: ref.kind.toLocaleLowerCase('en-US'),
        namespace: ref.namespace,
        name: ref.name,
      })}/promotion`}
      aria-label={`${name}: open its Promotion tab`}
    >
      {name}
    </Link>
  );
};

/** The components × environments table with its filters and CSV export. */
export const OverviewTable = (props: {
  rows: OverviewItem[];
  /** Components the backend has, when more than `rows` are still loading. */
  loadingTotal?: number;
  /** Controlled filters, when the page shares them (e.g. with the metrics); else kept here. */
  filters?: OverviewFilters;
  onFiltersChange?: (filters: OverviewFilters) => void;
}) => {
  const { rows } = props;
  const classes = useStyles();
  const [ownQuery, setOwnQuery] = useState<OverviewFilters>({});
  const query = props.filters ?? ownQuery;
  const setQuery = (update: (q: OverviewFilters) => OverviewFilters) => {
    const next = update(query);
    setOwnQuery(next);
    props.onFiltersChange?.(next);
  };
  const options = useMemo(() => filterOptions(rows), [rows]);
  const columns = useMemo(() => environmentColumns(rows), [rows]);
  const visible = useMemo(
    () => rows.filter(row => matchesOverviewQuery(row, query)),
    [rows, query],
  );
  const set = (key: keyof OverviewFilters) => (value: string) =>
    setQuery(q => ({ ...q, [key]: value || undefined }));

  const tableColumns: TableColumn<OverviewItem>[] = [
    {
      title: 'Component',
      field: 'entityRef',
      render: row => (
        <>
          <PromotionTabLink entityRef={row.entityRef} title={row.title} />
          <Typography variant="caption" display="block" color="textSecondary">
            {row.owner ?? 'no owner'}
            {row.system ? ` · ${row.system}` : ''}
            {row.lifecycle ? ` · ${row.lifecycle}` : ''}
          </Typography>
        </>
      ),
    },
    ...columns.map(
      (column): TableColumn<OverviewItem> => ({
        title: column.title,
        render: row => {
          const env = row.environments.find(e => e.id === column.id);
          if (!env) {
            return (
              <Typography variant="body2" color="textSecondary">
                not in pipeline
              </Typography>
            );
          }
          const behind = describeBehind(env.behind);
          return (
            <>
              <Typography
                variant="body2"
                aria-label={`${column.title}: ${describeCurrent(env)}`}
                title={
                  env.current
                    ? `${env.current.digest}${
                        env.current.tag ? ` (tag ${env.current.tag})` : ''
                      }, since ${formatDateTime(env.current.since)}${
                        env.current.by
                          ? ` by ${humanizeUserRef(env.current.by)}`
                          : ''
                      }`
                    : undefined
                }
              >
                {describeCurrent(env)}
              </Typography>
              {env.current && (
                <Typography
                  variant="caption"
                  color="textSecondary"
                  className={classes.digest}
                  title={env.current.digest}
                >
                  {shortDigest(env.current.digest)}
                </Typography>
              )}
              {behind && (
                <Typography
                  variant="caption"
                  display="block"
                  className={classes.behind}
                >
                  {behind}
                </Typography>
              )}
              {env.pendingApprovals > 0 && (
                <Typography variant="caption" display="block">
                  {env.pendingApprovals} waiting for approval
                </Typography>
              )}
              {env.drift > 0 && (
                <Typography variant="caption" display="block">
                  {env.drift} drift event{env.drift === 1 ? '' : 's'}
                </Typography>
              )}
              {env.trackingError && (
                <Typography
                  variant="caption"
                  display="block"
                  className={classes.behind}
                  title={`${trackingReason(
                    env.trackingError.message,
                  )}; failing since ${formatDateTime(
                    env.trackingError.failingSince,
                  )}, last tried ${formatAge(env.trackingError.lastTriedAt)}`}
                >
                  Cannot read the registry
                </Typography>
              )}
            </>
          );
        },
      }),
    ),
    {
      title: 'Waiting for approval',
      type: 'numeric',
      render: row => pendingApprovalCount(row),
    },
    { title: 'Drift', type: 'numeric', render: row => driftCount(row) },
    {
      title: 'Last failed',
      render: row =>
        row.environments
          .filter(e => e.lastFailedPromotion)
          .map(e => (
            <Typography
              key={e.id}
              variant="body2"
              color="error"
              title={formatDateTime(e.lastFailedPromotion?.finishedAt)}
            >
              {e.title}: {e.lastFailedPromotion?.failureReason ?? 'failed'}
            </Typography>
          )),
    },
  ];

  const loadingMore =
    props.loadingTotal !== undefined && props.loadingTotal > rows.length;
  const exportCsv = () =>
    downloadFile(
      `image-promotion-overview-${new Date().toISOString().slice(0, 10)}.csv`,
      overviewToCsv(visible, columns),
      'text/csv;charset=utf-8',
    );

  return (
    <>
      <Box className={classes.filters} role="search" aria-label="Filters">
        <TextField
          id="overview-search"
          label="Search"
          value={query.q ?? ''}
          onChange={e => set('q')(e.target.value)}
          placeholder="Component, image or tag"
          inputProps={{ 'aria-label': 'Search components' }}
        />
        <FilterSelect
          label="Owner"
          value={query.owner ?? ''}
          options={asOptions(options.owners)}
          onChange={set('owner')}
        />
        <FilterSelect
          label="System"
          value={query.system ?? ''}
          options={asOptions(options.systems)}
          onChange={set('system')}
        />
        <FilterSelect
          label="Lifecycle"
          value={query.lifecycle ?? ''}
          options={asOptions(options.lifecycles)}
          onChange={set('lifecycle')}
        />
        <FilterSelect
          label="Status"
          value={query.status ?? ''}
          options={STATUS_FILTERS}
          onChange={v => set('status')(v as OverviewStatus | '')}
        />
        <Button
          variant="outlined"
          startIcon={<GetAppIcon />}
          onClick={exportCsv}
          aria-label="Export CSV"
          disabled={loadingMore}
          title={
            loadingMore
              ? 'Available once every component has loaded'
              : undefined
          }
        >
          Export CSV
        </Button>
      </Box>
      {loadingMore && (
        <Typography role="status" variant="body2" color="textPrimary">
          Loaded {rows.length.toLocaleString('en-US')} of{' '}
          {props.loadingTotal!.toLocaleString('en-US')} components; filters
          apply to the loaded ones until the rest arrive.
        </Typography>
      )}
      <Table<OverviewItem>
        title={`Components (${visible.length} of ${rows.length})`}
        columns={tableColumns}
        data={visible}
        options={{
          search: false,
          sorting: false,
          paging: visible.length > 20,
          pageSize: 20,
          padding: 'dense',
          emptyRowsWhenPaging: false,
        }}
        emptyContent={
          <Typography color="textSecondary" style={{ padding: 16 }}>
            {rows.length === 0
              ? 'No tracked components yet. Add the image-promotion.io/image annotation to a component to track it.'
              : 'No component matches the filters.'}
          </Typography>
        }
      />
    </>
  );
};

/**
 * The overview for managers: every tracked component × environment, filters, CSV export and
 * delivery metrics. Without a page header, so both app systems can frame it.
 *
 * @public
 */
export const ImagePromotionOverview = () => {
  const api = useApi(imagePromotionApiRef);
  const classes = useStyles();
  // Filters apply in the browser: they stay instant, and the menus list every value.
  // With signals, a change anywhere reloads the table; without, it stays as loaded.
  const { signal } = usePromotionSignals({ pollMs: null });
  // Loaded page by page: the first rows show at once at any catalog size.
  const overview = useOverviewPages(api, signal);
  // The owner filter narrows the metrics too: a team lead reads their team's numbers.
  const [filters, setFilters] = useState<OverviewFilters>({});
  return (
    <>
      <ContentHeader
        title="Components across environments"
        description="What runs where, what waits, what drifted"
      >
        <Button
          variant="outlined"
          component={RouterLink}
          to={APPROVALS_INBOX_PATH}
        >
          Your approvals
        </Button>
      </ContentHeader>
      {!overview.items && !overview.error && <Progress />}
      {overview.error && (
        <StatusErrorPanel
          error={overview.error}
          what="the overview"
          onRetry={overview.retry}
        />
      )}
      {overview.items && (
        <OverviewTable
          rows={overview.items}
          loadingTotal={overview.complete ? undefined : overview.totalCount}
          filters={filters}
          onFiltersChange={setFilters}
        />
      )}
      <div className={classes.section}>
        <ContentHeader
          title="Delivery metrics"
          description={`Last ${METRICS_DAYS} days${
            filters.owner ? `, components owned by ${filters.owner}` : ''
          }`}
        />
        <DeliveryMetricsPanel owner={filters.owner} />
      </div>
    </>
  );
};
