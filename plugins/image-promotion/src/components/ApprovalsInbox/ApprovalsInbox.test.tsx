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

import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import type { PromotionDetails } from '@image-promotion/plugin-image-promotion-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { imagePromotionApiRef } from '../../api';
import { digest, fakeApi, hoursAgo, promotion } from '../../__testUtils__/data';
import { PromotionDetailsDialog } from '../PromotionDetails/PromotionDetailsDialog';
import { ApprovalsInbox } from './ApprovalsInbox';

const SLOW = { timeout: 10_000 };
jest.setTimeout(60_000);

const waiting = promotion({
  id: 'p-7',
  status: 'pending_approval',
  targetEnvironment: 'prod',
  sourceEnvironment: 'staging',
  reason: 'Release 1.1.0 before the sale',
  gates: [
    { gate: 'order', passed: true, message: 'Current in Staging.' },
    { gate: 'approvals', passed: false, message: '0 of 1 approvals.' },
  ],
});

describe('ApprovalsInbox', () => {
  it('lists what waits across components and approves with a comment', async () => {
    const api = fakeApi({
      getApprovalInbox: jest.fn(async () => ({
        totalCount: 1,
        items: [
          {
            promotion: waiting,
            entityTitle: 'Checkout',
            owner: 'group:default/team-a',
            targetEnvironmentTitle: 'Production',
            sourceEnvironmentTitle: 'Staging',
            approvalsRequired: 1,
            approverGroups: ['group:default/release-managers'],
            approvals: [],
          },
        ],
      })),
    });
    await renderInTestApp(
      <TestApiProvider apis={[[imagePromotionApiRef, api]]}>
        <ApprovalsInbox />
      </TestApiProvider>,
    );

    const item = await screen.findByRole(
      'article',
      { name: 'Approval request: 1.1.0 of Checkout to Production' },
      SLOW,
    );
    expect(
      within(item).getByText(/Release 1\.1\.0 before the sale/),
    ).toBeVisible();
    expect(within(item).getByText(/Requested by alice/)).toBeVisible();
    // The link opens the detail view on the component's Promotion tab.
    expect(
      within(item).getByRole('link', { name: 'Checkout' }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/component/checkout/promotion?promotion=p-7',
    );
    expect(
      within(item).getByRole('listitem', { name: /Approvals waiting/ }),
    ).toBeInTheDocument();
    await userEvent.type(
      within(item).getByRole('textbox', { name: 'Comment for the requester' }),
      'Ship it',
    );
    await userEvent.click(
      within(item).getByRole('button', {
        name: 'Approve 1.1.0 of Checkout to Production',
      }),
    );
    await waitFor(() =>
      expect(api.approvePromotion).toHaveBeenCalledWith('p-7', {
        comment: 'Ship it',
      }),
    );
  });

  it('says so when nothing waits', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[imagePromotionApiRef, fakeApi()]]}>
        <ApprovalsInbox />
      </TestApiProvider>,
    );
    expect(
      await screen.findByText('Nothing waits for you', undefined, SLOW),
    ).toBeInTheDocument();
  });
});

function details(overrides: Partial<PromotionDetails> = {}): PromotionDetails {
  return {
    ...promotion({
      id: 'p-8',
      status: 'failed',
      targetEnvironment: 'prod',
      reason: 'Hotfix',
      failureReason: "ENOTDIR: not a directory, open '/srv/prod/x'",
    }),
    events: [],
    approvals: [
      {
        promotionId: 'p-8',
        approver: 'user:default/release-manager',
        digest: digest('b'),
        decision: 'approved',
        comment: 'Ship it',
        at: hoursAgo(1),
      },
    ],
    entityTitle: 'Checkout',
    source: { environment: 'staging', title: 'Staging', registry: null },
    target: { environment: 'prod', title: 'Production', registry: null },
    approvalsRequired: 1,
    approverGroups: [],
    copy: null,
    failure: null,
    actions: { approve: false, reject: false, cancel: false, retry: true },
    changes: null,
    ...overrides,
  };
}

describe('PromotionDetailsDialog', () => {
  it('shows who asked and why, who approved and what they wrote, the failure in words, and Retry', async () => {
    const onShowPromotion = jest.fn();
    const api = fakeApi({
      getPromotion: jest.fn(async () => details()),
      retryPromotion: jest.fn(async () => promotion({ id: 'p-9' })),
    });
    await renderInTestApp(
      <TestApiProvider apis={[[imagePromotionApiRef, api]]}>
        <PromotionDetailsDialog
          promotionId="p-8"
          onClose={jest.fn()}
          onShowPromotion={onShowPromotion}
        />
      </TestApiProvider>,
    );

    const dialog = await screen.findByRole(
      'dialog',
      { name: 'Promotion of 1.1.0 to Production' },
      SLOW,
    );
    expect(within(dialog).getByText('Hotfix')).toBeVisible();
    expect(within(dialog).getByText(/by alice/)).toBeVisible();
    expect(
      within(dialog).getByText(/Approved by release-manager .*: “Ship it”/),
    ).toBeVisible();
    const why = within(dialog).getByRole('alert', { name: 'Why it failed' });
    expect(why).toHaveTextContent(/Could not use the Production registry/);
    expect(why).not.toHaveTextContent('/srv');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Retry' }),
    );
    await waitFor(() => expect(onShowPromotion).toHaveBeenCalledWith('p-9'));
    expect(api.retryPromotion).toHaveBeenCalledWith('p-8');
  });
});
