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

import { InfoCard, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import type {
  DeliveryMetrics,
  DurationStats,
} from '@image-promotion/plugin-image-promotion-common';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import { imagePromotionApiRef } from '../../api';
import { StatusErrorPanel } from '../shared/StatusErrorPanel';
import { BarChart } from './BarChart';

/** The period the metrics cover. */
export const METRICS_DAYS = 90;

function hours(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(1)} h`;
}

function stats(label: string, value: DurationStats) {
  return `${label}: median ${hours(value.medianHours)}, p90 ${hours(
    value.p90Hours,
  )} over ${value.count} promotion${value.count === 1 ? '' : 's'}`;
}

/** `2026-W48` → `W48 2026`, short enough for a bar label and still unambiguous. */
export function weekLabel(week: string): string {
  const match = /^(\d{4})-(W\d{2})$/.exec(week);
  return match ? `${match[2]} ${match[1]}` : week;
}

const MetricsCharts = (props: { metrics: DeliveryMetrics }) => {
  const { metrics } = props;
  return (
    <Grid container spacing={3}>
      {metrics.deploymentFrequency.length === 0 && (
        <Grid item xs={12} md={6}>
          <InfoCard title="Deployments per week" variant="gridItem">
            <Typography color="textSecondary">
              No promotion succeeded in the last {metrics.days} days.
            </Typography>
          </InfoCard>
        </Grid>
      )}
      {metrics.deploymentFrequency.map(series => {
        const title = `Deployments per week to ${series.title}`;
        return (
          <Grid item xs={12} md={6} key={series.environment}>
            <InfoCard title={title} variant="gridItem">
              <BarChart
                title={title}
                labelHeader="Week"
                valueHeader="Deployments"
                bars={series.weeks.map(w => ({
                  label: weekLabel(w.week),
                  short: w.week.slice(-3),
                  value: w.count,
                }))}
              />
              <Typography variant="body2" color="textSecondary">
                {series.total} deployment{series.total === 1 ? '' : 's'} to{' '}
                {series.title} in {metrics.days} days, in the weeks shown
              </Typography>
            </InfoCard>
          </Grid>
        );
      })}
      <Grid item xs={12} md={6}>
        <InfoCard title="Lead time to the last environment" variant="gridItem">
          <BarChart
            title="Lead time to the last environment in hours"
            labelHeader="Statistic"
            valueHeader="Hours"
            format={v => v.toFixed(1)}
            bars={
              metrics.leadTime.count === 0
                ? []
                : [
                    {
                      label: 'median',
                      value: metrics.leadTime.medianHours ?? 0,
                    },
                    { label: 'p90', value: metrics.leadTime.p90Hours ?? 0 },
                  ]
            }
          />
          <Typography variant="body2" color="textSecondary">
            {stats('From first seen to live', metrics.leadTime)}
          </Typography>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Rollback rate" variant="gridItem">
          <BarChart
            title="Rollback rate per environment in percent"
            labelHeader="Environment"
            valueHeader="Rollbacks"
            format={v => `${v.toFixed(0)}%`}
            bars={metrics.rollbackRate.map(r => ({
              label: r.title,
              value: r.rate * 100,
            }))}
          />
          <Typography variant="body2" color="textSecondary">
            {metrics.rollbackRate
              .map(r => `${r.title}: ${r.rollbacks} of ${r.promotions}`)
              .join('; ')}
          </Typography>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Time waiting for approval" variant="gridItem">
          <Typography>
            {stats('Approval wait', metrics.approvalWait)}
          </Typography>
        </InfoCard>
      </Grid>
    </Grid>
  );
};

/**
 * Delivery metrics of the last {@link METRICS_DAYS} days, as charts with their numbers; of one
 * owner's components when `owner` is given (the overview's owner filter).
 */
export const DeliveryMetricsPanel = (props: { owner?: string }) => {
  const { owner } = props;
  const api = useApi(imagePromotionApiRef);
  const { value, loading, error } = useAsync(
    () =>
      api.getMetrics(
        owner ? { days: METRICS_DAYS, owner: [owner] } : { days: METRICS_DAYS },
      ),
    [api, owner],
  );
  if (loading) {
    return <Progress />;
  }
  if (error || !value) {
    return (
      <StatusErrorPanel
        error={error ?? new Error('No metrics')}
        what="the delivery metrics"
      />
    );
  }
  return <MetricsCharts metrics={value} />;
};
