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

import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import type { DeliveryMetrics } from '@image-promotion/plugin-image-promotion-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ImagePromotionApi, imagePromotionApiRef } from '../../api';
import { fakeApi } from '../../__testUtils__/data';
import { overviewItems } from '../../__testUtils__/overview';
import { ImagePromotionPage } from './ImagePromotionPage';

const SLOW = { timeout: 5000 };
jest.setTimeout(60_000);

const metrics: DeliveryMetrics = {
  days: 90,
  since: '2026-01-01T00:00:00Z',
  until: '2026-04-01T00:00:00Z',
  deploymentFrequency: [
    {
      environment: 'prod',
      title: 'Production',
      total: 7,
      weeks: [
        { week: '2026-W12', count: 2 },
        { week: '2026-W13', count: 5 },
      ],
    },
  ],
  leadTime: {
    count: 12,
    medianHours: 26.5,
    p90Hours: 70,
  },
  rollbackRate: [
    {
      environment: 'prod',
      title: 'Production',
      promotions: 20,
      rollbacks: 2,
      rate: 0.1,
    },
  ],
  approvalWait: { count: 9, medianHours: 1.5, p90Hours: 8 },
};

async function renderPage(api: ImagePromotionApi) {
  await renderInTestApp(
    <TestApiProvider apis={[[imagePromotionApiRef, api]]}>
      <ImagePromotionPage />
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

function visibleComponents() {
  return screen
    .getAllByRole('link')
    .map(a => a.getAttribute('href'))
    .filter(href => href?.startsWith('/catalog/'));
}

describe('ImagePromotionPage', () => {
  it('shows every component × environment with staleness, approvals, drift and failures', async () => {
    const api = fakeApi({
      getOverview: jest.fn(async () => ({
        items: overviewItems(),
        totalCount: 3,
      })),
      getMetrics: jest.fn(async () => metrics),
    });
    await renderPage(api);

    expect(
      await screen.findByText('Components (3 of 3)', undefined, SLOW),
    ).toBeInTheDocument();
    // Each row opens the component's Promotion tab, where the reader can act.
    expect(visibleComponents()).toEqual([
      '/catalog/default/component/checkout/promotion',
      '/catalog/default/component/search/promotion',
      '/catalog/default/component/billing/promotion',
    ]);
    const table = screen.getByText('Components (3 of 3)').closest('div')!
      .parentElement!.parentElement!;
    // The version a manager knows, the digest beside it and whole on hover.
    const prod = within(table).getAllByLabelText('Production: 1.2.0')[0];
    expect(prod).toHaveTextContent(/^1\.2\.0$/);
    expect(prod.getAttribute('title')).toContain(`sha256:${'a'.repeat(64)}`);
    expect(within(table).getAllByText('aaaaaaaaaaaa')[0]).toHaveAttribute(
      'title',
      `sha256:${'a'.repeat(64)}`,
    );
    expect(
      within(table).getByText('7 versions / 12 days behind'),
    ).toBeInTheDocument();
    expect(
      within(table).getByText(/QA: registry qa answered 401/),
    ).toBeInTheDocument();
    // A registry tracking cannot read is not shown as "nothing deployed".
    expect(within(table).getByLabelText('Production: unknown')).toBeVisible();
    const unreadable = within(table).getByText('Cannot read the registry');
    expect(unreadable.getAttribute('title')).toMatch(
      /^it refused the connection; check that it is running; failing since .+, last tried .+ ago$/,
    );
    expect(api.getMetrics).toHaveBeenCalledWith({ days: 90 });
  });

  it('filters by owner, status and text', async () => {
    const api = fakeApi({
      getOverview: jest.fn(async () => ({
        items: overviewItems(),
        totalCount: 3,
      })),
      getMetrics: jest.fn(async () => metrics),
    });
    await renderPage(api);
    await screen.findByText('Components (3 of 3)', undefined, SLOW);

    fireEvent.mouseDown(screen.getByLabelText('Owner'));
    await userEvent.click(
      within(screen.getByRole('listbox')).getByText('group:default/team-a'),
    );
    expect(await screen.findByText('Components (2 of 3)')).toBeInTheDocument();

    fireEvent.mouseDown(screen.getByLabelText('Status'));
    await userEvent.click(
      within(screen.getByRole('listbox')).getByText('Last promotion failed'),
    );
    expect(await screen.findByText('Components (1 of 3)')).toBeInTheDocument();
    expect(visibleComponents()).toEqual([
      '/catalog/default/component/billing/promotion',
    ]);
    // The owner filter narrows the metrics too.
    expect(api.getMetrics).toHaveBeenLastCalledWith({
      days: 90,
      owner: ['group:default/team-a'],
    });

    await userEvent.type(
      screen.getByLabelText('Search components'),
      'nothing-like-it',
    );
    expect(await screen.findByText('Components (0 of 3)')).toBeInTheDocument();
    expect(
      screen.getByText('No component matches the filters.'),
    ).toBeInTheDocument();
  });

  it('exports the visible rows as a CSV download', async () => {
    const api = fakeApi({
      getOverview: jest.fn(async () => ({
        items: overviewItems(),
        totalCount: 3,
      })),
      getMetrics: jest.fn(async () => metrics),
    });
    const blobs: Blob[] = [];
    const createObjectURL = jest.fn((blob: Blob) => {
      blobs.push(blob);
      return 'blob:overview';
    });
    const revokeObjectURL = jest.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const click = jest
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(() => {});
    await renderPage(api);
    await screen.findByText('Components (3 of 3)', undefined, SLOW);

    await userEvent.type(screen.getByLabelText('Search components'), 'search');
    await screen.findByText('Components (1 of 3)');
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));

    expect(click).toHaveBeenCalled();
    expect(blobs).toHaveLength(1);
    expect(blobs[0].type).toBe('text/csv;charset=utf-8');
    const csv = await blobs[0].text();
    const lines = csv.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Component,Title,Owner/);
    expect(lines[1]).toMatch(
      /^component:default\/search,,group:default\/team-b,/,
    );
    click.mockRestore();
  });

  it('loads a large overview page by page, showing the first rows at once; CSV waits for all', async () => {
    const [template] = overviewItems();
    const all = Array.from({ length: 600 }, (_, i) => ({
      ...template,
      entityRef: `component:default/svc-${String(i).padStart(3, '0')}`,
    }));
    let releaseRest: () => void = () => {};
    const rest = new Promise<void>(resolve => {
      releaseRest = resolve;
    });
    const getOverview = jest.fn(
      async (query?: { limit?: number; offset?: number }) => {
        const offset = query?.offset ?? 0;
        if (offset > 0) await rest;
        return {
          items: all.slice(offset, offset + (query?.limit ?? all.length)),
          totalCount: all.length,
        };
      },
    );
    const api = fakeApi({
      getOverview,
      getMetrics: jest.fn(async () => metrics),
    });
    await renderPage(api);

    expect(
      await screen.findByText('Components (250 of 250)', undefined, SLOW),
    ).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent(
      'Loaded 250 of 600 components',
    );
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeDisabled();

    releaseRest();
    expect(
      await screen.findByText('Components (600 of 600)', undefined, SLOW),
    ).toBeInTheDocument();
    expect(screen.queryByText(/Loaded \d+ of/)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeEnabled();
    expect(getOverview.mock.calls.map(([q]) => q)).toEqual([
      { limit: 250, offset: 0 },
      { limit: 250, offset: 250 },
      { limit: 250, offset: 500 },
    ]);
  });

  it('shows delivery metrics as charts with the numbers beside them', async () => {
    const api = fakeApi({
      getOverview: jest.fn(async () => ({
        items: overviewItems(),
        totalCount: 3,
      })),
      getMetrics: jest.fn(async () => metrics),
    });
    await renderPage(api);

    expect(
      await screen.findByRole(
        'img',
        { name: 'Deployments per week to Production' },
        SLOW,
      ),
    ).toBeInTheDocument();
    const frequency = screen.getByRole('table', {
      name: 'Deployments per week to Production (numbers)',
    });
    expect(
      within(frequency).getByRole('row', { name: 'W13 2026 5' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        '7 deployments to Production in 90 days, in the weeks shown',
      ),
    ).toBeInTheDocument();
    const lead = screen.getByRole('table', {
      name: 'Lead time to the last environment in hours (numbers)',
    });
    expect(
      within(lead).getByRole('row', { name: 'median 26.5' }),
    ).toBeInTheDocument();
    expect(
      within(lead).getByRole('row', { name: 'p90 70.0' }),
    ).toBeInTheDocument();
    const rollbacks = screen.getByRole('table', {
      name: 'Rollback rate per environment in percent (numbers)',
    });
    expect(
      within(rollbacks).getByRole('row', { name: 'Production 10%' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText(
        'Approval wait: median 1.5 h, p90 8.0 h over 9 promotions',
      ),
    ).toBeInTheDocument();
  });

  it('explains an unreachable backend', async () => {
    const api = fakeApi({
      getOverview: jest.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
      getMetrics: jest.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    });
    await renderPage(api);

    await waitFor(
      () =>
        expect(
          screen.getAllByText(/The image promotion backend is unreachable/),
        ).toHaveLength(2),
      SLOW,
    );
  });
});
