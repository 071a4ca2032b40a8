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

import { Entity } from '@backstage/catalog-model';
import { identityApiRef } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import {
  imagePromotionApprovePermission,
  Promotion,
} from '@image-promotion/plugin-image-promotion-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ImagePromotionApi, imagePromotionApiRef } from '../../api';
import {
  digest,
  driftEvent,
  entity,
  environment,
  fakeApi,
  hoursAgo,
  policy,
  promotion,
  responseError,
  status,
  ALLOW,
  DENY,
} from '../../__testUtils__/data';
import { EntityImagePromotionContent } from './EntityImagePromotionContent';

// The first render of the test app can exceed the 1 s default on a busy machine.
const SLOW = { timeout: 5000 };

// Rendering the whole tab (lanes, history table) takes seconds on a busy machine.
jest.setTimeout(30_000);

async function renderContent(
  api: ImagePromotionApi,
  options: {
    entity?: Entity;
    user?: string;
    canApprove?: boolean;
  } = {},
) {
  const permission = mockApis.permission({
    authorize: request =>
      request.permission.name === imagePromotionApprovePermission.name &&
      options.canApprove === false
        ? DENY
        : ALLOW,
  });
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [imagePromotionApiRef, api],
        [permissionApiRef, permission],
        [
          identityApiRef,
          mockApis.identity({
            userEntityRef: options.user ?? 'user:default/bob',
          }),
        ],
      ]}
    >
      <EntityProvider entity={options.entity ?? entity()}>
        <EntityImagePromotionContent />
      </EntityProvider>
    </TestApiProvider>,
  );
}

describe('EntityImagePromotionContent', () => {
  it('renders one lane per environment from the status', async () => {
    // Built before rendering, so the ages are whole hours when the tab reads the clock.
    const data = status({
      qa: {
        drift: [driftEvent()],
      },
      prod: {
        current: {
          digest: digest('a'),
          tag: '1.0.0',
          since: hoursAgo(2),
          by: 'user:default/jane',
          promotionId: 'p-00',
        },
        policy: policy({
          approvals: 1,
          soakTimeMs: 24 * 3_600_000,
          immutableTags: true,
          activeFreeze: {
            description: 'from 2026-12-20T00:00:00Z to 2027-01-06T00:00:00Z',
            reason: 'Year-end freeze',
            endsAt: '2027-01-06T00:00:00.000Z',
          },
        }),
      },
    });
    const api = fakeApi({ getStatus: jest.fn(async () => data) });
    await renderContent(api);

    const dev = await screen.findByRole(
      'region',
      { name: 'Development environment' },
      SLOW,
    );
    const qa = screen.getByRole('region', { name: 'QA environment' });
    const prod = screen.getByRole('region', { name: 'Production environment' });

    expect(api.getStatus).toHaveBeenCalledWith('component:default/checkout');
    expect(
      within(dev).getByLabelText('Current tag in Development'),
    ).toHaveTextContent('1.1.0');
    expect(within(dev).getByText('bbbbbbbbbbbb')).toBeInTheDocument();
    expect(
      within(dev).getByRole('button', { name: 'Copy digest bbbbbbbbbbbb' }),
    ).toBeInTheDocument();
    expect(within(dev).getByText(/Discovered 5h ago/)).toBeInTheDocument();
    expect(within(qa).getByText(/Promoted 6h ago by jane/)).toBeInTheDocument();
    // 6 h of the 24 h prod asks for have passed in QA.
    expect(
      within(qa).getByRole('progressbar', {
        name: 'Soak time before Production',
      }),
    ).toHaveAttribute('aria-valuenow', '25');
    expect(
      within(qa).getByText(/Soaked 6h of 1d before Production/),
    ).toBeVisible();
    expect(within(qa).getByRole('alert')).toHaveTextContent(
      'Tag 1.0.0 moved to cccccccccccc without a promotion.',
    );
    expect(
      within(prod).getByRole('img', {
        name: /^Promotions into Production are frozen: Year-end freeze \(from 2026-12-20T00:00:00Z to 2027-01-06T00:00:00Z, until /,
      }),
    ).toBeInTheDocument();
    // The buttons say whether there is anything to promote.
    expect(
      screen.getByRole('button', {
        name: 'Promote 1.1.0: from Development to QA',
      }),
    ).toBeEnabled();
    expect(
      screen.getByRole('button', {
        name: 'Promote in sync: from QA to Production',
      }),
    ).toBeEnabled();
    // The registry in one line, the whole location on hover.
    expect(within(prod).getByText('prod: prod/checkout')).toHaveAttribute(
      'title',
      'registry.example.com/prod/checkout',
    );
  });

  it('explains the missing annotation with the YAML to add', async () => {
    const api = fakeApi();
    await renderContent(api, { entity: entity({}) });

    expect(
      await screen.findByText(/Missing Annotation/i, undefined, SLOW),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/image-promotion\.io\/image/).length,
    ).toBeGreaterThan(0);
    expect(api.getStatus).not.toHaveBeenCalled();
  });

  it('says what to do when there are no versions yet', async () => {
    const api = fakeApi({
      getStatus: jest.fn(async () => ({
        ...status(),
        environments: [
          environment('dev', 'Development'),
          environment('qa', 'QA'),
        ],
      })),
    });
    await renderContent(api);

    expect(
      await screen.findByText('No versions yet', undefined, SLOW),
    ).toBeVisible();
    expect(
      screen.getByText(/Push an image to registry.example.com\/dev\/checkout/),
    ).toBeVisible();
    expect(screen.queryByRole('region', { name: 'QA environment' })).toBeNull();

    await userEvent.click(
      screen.getByRole('button', { name: 'Refresh from registries' }),
    );
    expect(api.refresh).toHaveBeenCalledWith('component:default/checkout');
  });

  it('tells the user the backend is unreachable and how to fix it', async () => {
    const api = fakeApi({
      getStatus: jest.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    });
    await renderContent(api);

    expect(
      await screen.findByText(
        /The image promotion backend is unreachable/,
        undefined,
        SLOW,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/packages\/backend\/src\/index.ts/),
    ).toBeInTheDocument();
  });

  it('shows the backend message when it answers with an error', async () => {
    const error = await responseError(500, 'database is locked');
    const api = fakeApi({
      getStatus: jest.fn(async () => {
        throw error;
      }),
    });
    await renderContent(api);

    expect(
      await screen.findByText(
        /Could not load the promotion status/,
        undefined,
        SLOW,
      ),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/database is locked/).length).toBeGreaterThan(0);
  });

  it('explains a permission denial', async () => {
    const error = await responseError(403, 'You may not read checkout.');
    const api = fakeApi({
      getStatus: jest.fn(async () => {
        throw error;
      }),
    });
    await renderContent(api);

    expect(
      await screen.findByText(
        'You may not see image promotions here',
        undefined,
        SLOW,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/image-promotion\.read permission/),
    ).toBeInTheDocument();
  });

  describe('pending approvals', () => {
    const pending = promotion({
      id: 'p-9',
      sourceEnvironment: 'qa',
      targetEnvironment: 'prod',
      digest: digest('b'),
      targetTag: '1.1.0',
      status: 'pending_approval',
      requestedBy: 'user:default/alice',
      gates: [
        { gate: 'approvals', passed: false, message: '0 of 1 approvals.' },
      ],
    });
    const withPending = () =>
      fakeApi({
        getStatus: jest.fn(async () =>
          status({ prod: { openPromotion: pending } }),
        ),
      });

    it('hides Approve from the requester', async () => {
      await renderContent(withPending(), { user: 'user:default/alice' });

      const item = await screen.findByRole(
        'article',
        { name: 'Pending promotion of 1.1.0 to Production' },
        SLOW,
      );
      expect(
        within(item).getByText(/You requested this promotion/),
      ).toBeInTheDocument();
      expect(
        within(item).queryByRole('button', { name: /^Approve/ }),
      ).toBeNull();
      expect(
        within(item).queryByRole('button', { name: /^Reject/ }),
      ).toBeNull();
    });

    it('lets another user with the approve permission approve', async () => {
      const api = withPending();
      await renderContent(api, { user: 'user:default/bob' });

      const approve = await screen.findByRole(
        'button',
        { name: 'Approve promotion of 1.1.0 to Production' },
        SLOW,
      );
      expect(
        screen.getByRole('button', {
          name: 'Reject promotion of 1.1.0 to Production',
        }),
      ).toBeEnabled();
      await userEvent.type(screen.getByLabelText('Comment (optional)'), 'LGTM');
      await userEvent.click(approve);

      await waitFor(() =>
        expect(api.approvePromotion).toHaveBeenCalledWith('p-9', {
          comment: 'LGTM',
        }),
      );
    });

    it('asks for a comment and a confirmation before rejecting', async () => {
      const api = withPending();
      await renderContent(api, { user: 'user:default/bob' });

      await userEvent.click(
        await screen.findByRole(
          'button',
          { name: 'Reject promotion of 1.1.0 to Production' },
          SLOW,
        ),
      );
      const confirm = await screen.findByRole('dialog', {
        name: 'Reject the promotion of 1.1.0 to Production?',
      });
      const reject = within(confirm).getByRole('button', { name: 'Reject' });
      expect(reject).toBeDisabled();
      expect(api.rejectPromotion).not.toHaveBeenCalled();
      await userEvent.type(
        within(confirm).getByRole('textbox', { name: /Why/ }),
        'Wait for the DB migration',
      );
      await userEvent.click(reject);

      await waitFor(() =>
        expect(api.rejectPromotion).toHaveBeenCalledWith('p-9', {
          comment: 'Wait for the DB migration',
        }),
      );
    }, 60_000);

    it('hides Approve from users without the approve permission', async () => {
      // usePermission caches answers per resource (SWR): ask about another component.
      await renderContent(withPending(), {
        entity: entity(undefined, 'checkout-locked'),
        user: 'user:default/bob',
        canApprove: false,
      });

      expect(
        await screen.findByText(
          /Waiting for someone allowed to approve/,
          undefined,
          SLOW,
        ),
      ).toBeInTheDocument();
      expect(screen.queryByRole('button', { name: /^Approve/ })).toBeNull();
    });
  });

  it('shows copy progress live as the polled status changes', async () => {
    const copying = (
      bytesCopied: number,
      state: Promotion['status'] = 'copying',
    ) =>
      status({
        qa: {
          openPromotion: promotion({
            status: state,
            progress: { bytesCopied, bytesTotal: 1000 },
            startedAt: hoursAgo(0),
          }),
        },
      });
    const getStatus = jest
      .fn()
      .mockResolvedValueOnce(copying(100))
      .mockResolvedValueOnce(copying(600))
      .mockResolvedValue(
        status({
          qa: {
            current: {
              digest: digest('b'),
              tag: '1.1.0',
              since: hoursAgo(0),
              by: 'user:default/alice',
              promotionId: 'p-1',
            },
          },
        }),
      );
    const api = fakeApi({ getStatus });
    await renderContent(api);

    const bar = await screen.findByRole(
      'progressbar',
      { name: 'Copy progress into QA' },
      SLOW,
    );
    expect(bar).toHaveAttribute('aria-valuenow', '10');
    expect(screen.getByText(/100 B of 1000 B \(10%\)/)).toBeInTheDocument();

    await waitFor(
      () =>
        expect(
          screen.getByRole('progressbar', { name: 'Copy progress into QA' }),
        ).toHaveAttribute('aria-valuenow', '60'),
      { timeout: 4000 },
    );
    expect(screen.getByText(/600 B of 1000 B \(60%\)/)).toBeInTheDocument();

    // Done: the bar goes away, QA runs the new digest, and the fast polling stops.
    await waitFor(
      () =>
        expect(
          screen.queryByRole('progressbar', { name: 'Copy progress into QA' }),
        ).toBeNull(),
      { timeout: 4000 },
    );
    expect(screen.getByLabelText('Current tag in QA')).toHaveTextContent(
      '1.1.0',
    );
    const calls = getStatus.mock.calls.length;
    await new Promise(resolve => setTimeout(resolve, 1500));
    expect(getStatus.mock.calls.length).toBe(calls);
  }, 20_000);

  it('lists the history with failures and offers Roll back on earlier versions', async () => {
    const withFailure = status();
    withFailure.environments[1].lastFailure = {
      promotionId: 'p-3',
      targetTag: '1.1.0',
      failedAt: hoursAgo(0.5),
      message:
        'The qa registry answered 401: check the credentials of the QA registry.',
    };
    const api = fakeApi({
      getStatus: jest.fn(async () => withFailure),
      listPromotions: jest.fn(async () => ({
        changes: {},
        totalCount: 3,
        nextCursor: null,
        items: [
          promotion({
            id: 'p-3',
            status: 'failed',
            digest: digest('b'),
            failureReason: 'registry qa answered 401: check the credentials',
            startedAt: hoursAgo(1),
            finishedAt: hoursAgo(0.5),
          }),
          promotion({
            id: 'p-2',
            status: 'succeeded',
            digest: digest('a'),
            targetTag: '1.0.0',
            finishedAt: hoursAgo(6),
          }),
          promotion({
            id: 'p-1',
            status: 'succeeded',
            digest: digest('9'),
            targetTag: '0.9.0',
            requestedBy: 'user:default/jane',
            createdAt: hoursAgo(50),
            startedAt: hoursAgo(50),
            finishedAt: hoursAgo(49.9),
          }),
        ],
      })),
      previewPromotion: jest.fn(async () => ({
        entityRef: 'component:default/checkout',
        digest: digest('9'),
        sourceEnvironment: 'dev',
        sourceTag: null,
        targetEnvironment: 'qa',
        targetTag: '0.9.0',
        isRollback: true,
        allowed: true,
        needsApproval: false,
        canRequest: true,
        eligibleAt: null,
        gates: [{ gate: 'order' as const, passed: true, message: 'ok' }],
        changes: null,
        changesProblem: null,
      })),
    });
    await renderContent(api);

    expect(
      await screen.findByText('History', undefined, SLOW),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(
        'registry qa answered 401: check the credentials',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('6m')).toBeInTheDocument();
    // The failure also shows on the QA lane, until a later version arrives there.
    expect(
      within(screen.getByRole('region', { name: 'QA environment' })).getByRole(
        'alert',
        { name: 'Last promotion into QA failed' },
      ),
    ).toHaveTextContent(
      '1.1.0 failed 30m ago: The qa registry answered 401: check the credentials',
    );
    // 1.0.0 is what QA runs now: no Roll back on it; 0.9.0 is an earlier one.
    expect(
      screen.queryByRole('button', { name: /Roll back QA to 1\.0\.0/ }),
    ).toBeNull();
    await userEvent.click(
      screen.getByRole('button', {
        name: 'Roll back QA to 0.9.0 (999999999999)',
      }),
    );

    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText('Promote from Development to QA'),
    ).toBeVisible();
    await waitFor(() =>
      expect(api.previewPromotion).toHaveBeenCalledWith(
        expect.objectContaining({
          digest: digest('9'),
          targetEnvironment: 'qa',
        }),
      ),
    );
    expect(
      await within(dialog).findByText(/This is a rollback/),
    ).toBeInTheDocument();
  });

  it('acknowledges drift', async () => {
    const api = fakeApi({
      getStatus: jest.fn(async () =>
        status({
          prod: {
            drift: [
              driftEvent({
                id: 'd-7',
                environment: 'prod',
                tag: 'latest',
                newDigest: digest('e'),
                detectedAt: hoursAgo(3),
              }),
            ],
          },
        }),
      ),
    });
    await renderContent(api);

    await userEvent.click(
      await screen.findByRole(
        'button',
        { name: 'Acknowledge drift of tag latest in Production' },
        SLOW,
      ),
    );
    // It asks what the person found; the comment goes to the drift history.
    const ask = await screen.findByRole('dialog', {
      name: 'Acknowledge the drift of tag latest in Production',
    });
    const confirm = within(ask).getByRole('button', { name: 'Acknowledge' });
    expect(confirm).toBeDisabled();
    await userEvent.type(
      within(ask).getByRole('textbox', { name: /Comment/ }),
      'Ops hotfix, same build',
    );
    await userEvent.click(confirm);
    expect(api.acknowledgeDrift).toHaveBeenCalledWith('d-7', {
      comment: 'Ops hotfix, same build',
    });
  });
});
