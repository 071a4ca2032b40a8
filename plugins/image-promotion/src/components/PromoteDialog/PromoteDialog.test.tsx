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

import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import type { PromotionPreview } from '@image-promotion/plugin-image-promotion-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ImagePromotionApi, imagePromotionApiRef } from '../../api';
import {
  digest,
  ENTITY_REF,
  fakeApi,
  promotion,
  responseError,
  status,
  ALLOW,
  DENY,
} from '../../__testUtils__/data';
import { candidateVersions, PromoteDialog } from './PromoteDialog';

const SLOW = { timeout: 5000 };
jest.setTimeout(30_000);

function preview(overrides: Partial<PromotionPreview> = {}): PromotionPreview {
  return {
    entityRef: ENTITY_REF,
    digest: digest('b'),
    sourceEnvironment: 'qa',
    sourceTag: '1.1.0',
    targetEnvironment: 'prod',
    targetTag: '1.1.0',
    isRollback: false,
    allowed: true,
    needsApproval: false,
    canRequest: true,
    eligibleAt: null,
    gates: [
      { gate: 'order', passed: true, message: 'The digest is current in QA.' },
      { gate: 'soak', passed: true, message: 'Soaked 30h of 24h in QA.' },
    ],
    changes: null,
    changesProblem: null,
    ...overrides,
  };
}

async function renderDialog(
  api: ImagePromotionApi,
  options: {
    canPromote?: boolean;
    initialDigest?: string;
    entityRef?: string;
  } = {},
) {
  const [, qa, prod] = status({
    qa: {
      current: {
        digest: digest('b'),
        tag: '1.1.0',
        since: new Date().toISOString(),
        by: null,
        promotionId: null,
      },
      versions: [
        {
          digest: digest('b'),
          tags: ['1.1.0'],
          firstSeen: new Date(Date.now() - 30 * 3_600_000).toISOString(),
          lastSeen: new Date().toISOString(),
          origin: 'promotion',
          promotionId: null,
        },
        {
          digest: digest('a'),
          tags: ['1.0.0'],
          firstSeen: new Date(Date.now() - 90 * 3_600_000).toISOString(),
          lastSeen: new Date().toISOString(),
          origin: 'promotion',
          promotionId: null,
        },
      ],
    },
  }).environments;
  const onPromoted = jest.fn();
  const onClose = jest.fn();
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [imagePromotionApiRef, api],
        [
          permissionApiRef,
          mockApis.permission({
            authorize: options.canPromote === false ? DENY : ALLOW,
          }),
        ],
      ]}
    >
      <PromoteDialog
        open
        entityRef={options.entityRef ?? ENTITY_REF}
        source={qa}
        target={prod}
        initialDigest={options.initialDigest}
        onClose={onClose}
        onPromoted={onPromoted}
      />
    </TestApiProvider>,
  );
  return { onPromoted, onClose };
}

describe('PromoteDialog', () => {
  it('lists the candidates and marks the one the target already runs', async () => {
    const api = fakeApi({ previewPromotion: jest.fn(async () => preview()) });
    await renderDialog(api);

    const candidates = await screen.findByRole(
      'radiogroup',
      { name: 'Candidate versions' },
      SLOW,
    );
    const radios = within(candidates).getAllByRole('radio');
    expect(radios).toHaveLength(2);
    // 1.1.0 (b) is new to prod and preselected; 1.0.0 (a) is what prod runs now.
    expect(
      within(candidates).getByLabelText('1.1.0 bbbbbbbbbbbb'),
    ).toBeChecked();
    expect(
      within(candidates).getByLabelText('1.0.0 aaaaaaaaaaaa'),
    ).toBeDisabled();
    expect(within(candidates).getByText('current in Production')).toBeVisible();
  });

  it('shows what changes: labels, the commit range, layers, size and platforms', async () => {
    const layers = {
      added: 2,
      removed: 1,
      shared: 1,
      bytesAdded: 60 * 1024,
      bytesRemoved: 10 * 1024,
    };
    const api = fakeApi({
      previewPromotion: jest.fn(async () =>
        preview({
          changes: {
            fromDigest: digest('a'),
            toDigest: digest('b'),
            identical: false,
            labels: [
              {
                key: 'org.opencontainers.image.version',
                title: 'Version',
                from: '1.0.0',
                to: '1.1.0',
                changed: true,
              },
              {
                key: 'org.opencontainers.image.base.digest',
                title: 'Base digest',
                from: null,
                to: null,
                changed: false,
              },
            ],
            compare: {
              from: 'a1b2c3d',
              to: 'e4f5a6b',
              url: 'https://github.com/acme/checkout/compare/a1b2c3d...e4f5a6b',
            },
            layers,
            size: { from: 40 * 1024, to: 90 * 1024 },
            platforms: [
              {
                platform: 'linux/amd64',
                status: 'changed',
                fromDigest: digest('c'),
                toDigest: digest('d'),
                sizeFrom: 40 * 1024,
                sizeTo: 90 * 1024,
                layers,
              },
              {
                platform: 'linux/arm64',
                status: 'added',
                fromDigest: null,
                toDigest: digest('e'),
                sizeFrom: null,
                sizeTo: 50 * 1024,
                layers: { ...layers, removed: 0, bytesRemoved: 0 },
              },
            ],
            problem: null,
            comparedAt: new Date().toISOString(),
          },
        }),
      ),
    });
    await renderDialog(api);

    const changes = await screen.findByLabelText('What changes', {}, SLOW);
    const labels = within(changes).getByRole('table', { name: 'Labels' });
    expect(
      within(labels).getByRole('row', { name: /Version/ }),
    ).toHaveTextContent('Version1.0.01.1.0');
    // A label neither image has is not shown.
    expect(within(labels).queryByText('Base digest')).toBeNull();
    expect(
      within(changes).getByRole('link', { name: 'a1b2c3d…e4f5a6b' }),
    ).toHaveAttribute(
      'href',
      'https://github.com/acme/checkout/compare/a1b2c3d...e4f5a6b',
    );
    expect(
      within(changes).getByText(
        'Layers: 2 layers added (60.0 KiB), 1 removed (10.0 KiB), 1 shared.',
      ),
    ).toBeVisible();
    expect(
      within(changes).getByText('Size: 40.0 KiB → 90.0 KiB (+50.0 KiB)'),
    ).toBeVisible();
    const platforms = within(changes).getByRole('table', { name: 'Platforms' });
    expect(
      within(platforms).getByRole('row', { name: /linux\/arm64/ }),
    ).toHaveTextContent('added');
  });

  it('says why it cannot show what changes when the candidate cannot be read', async () => {
    const api = fakeApi({
      previewPromotion: jest.fn(async () =>
        preview({
          changesProblem: 'registry qa did not answer within 10 s',
        }),
      ),
    });
    await renderDialog(api);
    expect(
      await screen.findByText(
        'Not known: registry qa did not answer within 10 s',
        undefined,
        SLOW,
      ),
    ).toBeVisible();
  });

  it('shows every gate and blocks confirm with the reason when policy refuses', async () => {
    const api = fakeApi({
      previewPromotion: jest.fn(async () =>
        preview({
          allowed: false,
          canRequest: false,
          gates: [
            {
              gate: 'order',
              passed: true,
              message: 'The digest is current in QA.',
            },
            {
              gate: 'soak',
              passed: false,
              message:
                'The digest has been in QA for 2h; Production asks for 24h.',
            },
            {
              gate: 'freeze',
              passed: false,
              message: 'Production is frozen until Monday 08:00 UTC.',
            },
          ],
        }),
      ),
    });
    await renderDialog(api);

    const checks = await screen.findByRole(
      'list',
      { name: 'Policy checks' },
      SLOW,
    );
    expect(
      within(checks).getByRole('listitem', {
        name: 'Order passed: The digest is current in QA.',
      }),
    ).toBeInTheDocument();
    expect(
      within(checks).getByRole('listitem', {
        name: 'Soak time failed: The digest has been in QA for 2h; Production asks for 24h.',
      }),
    ).toBeInTheDocument();
    expect(
      within(checks).getByRole('listitem', {
        name: /Freeze window failed/,
      }),
    ).toBeInTheDocument();

    const confirm = screen.getByRole('button', { name: 'Promote' });
    expect(confirm).toBeDisabled();
    // The note names the gates; what to fix is said once, by the gates themselves.
    expect(screen.getByRole('note')).toHaveTextContent(
      'Policy refuses this promotion: the Soak time and Freeze window checks fail. The policy check below says what to fix.',
    );
    expect(
      screen.getAllByText(/Production is frozen until Monday 08:00 UTC/),
    ).toHaveLength(1);
    expect(screen.getAllByText(/Production asks for 24h/)).toHaveLength(1);
    expect(confirm).toHaveAccessibleDescription(
      'Policy refuses this promotion: the Soak time and Freeze window checks fail. The policy check below says what to fix. Soak time: failed The digest has been in QA for 2h; Production asks for 24h. Freeze window: failed Production is frozen until Monday 08:00 UTC.',
    );
    expect(api.previewPromotion).toHaveBeenCalledWith({
      entityRef: ENTITY_REF,
      sourceEnvironment: 'qa',
      targetEnvironment: 'prod',
      digest: digest('b'),
      targetTag: undefined,
    });
    expect(api.createPromotion).not.toHaveBeenCalled();
  });

  it('accepts a request during the soak and says exactly when it starts', async () => {
    const eligibleAt = '2026-12-01T21:46:21.000Z';
    // 21:46:21.000 exactly: no rounding up needed.
    const api = fakeApi({
      previewPromotion: jest.fn(async () =>
        preview({
          allowed: false,
          needsApproval: true,
          canRequest: true,
          eligibleAt,
          gates: [
            { gate: 'approvals', passed: false, message: '0 of 1 approvals.' },
            {
              gate: 'soak',
              passed: false,
              message: 'Soaked 2h of 24h in QA.',
              eligibleAt,
            },
          ],
        }),
      ),
    });
    await renderDialog(api);

    const when = await screen.findByRole(
      'alert',
      { name: 'When it starts' },
      SLOW,
    );
    expect(when).toHaveTextContent(
      new Date(eligibleAt).toLocaleString(undefined, {
        dateStyle: 'medium',
        timeStyle: 'medium',
      }),
    );
    expect(when).toHaveTextContent(/when the soak time ends/);
    expect(when).toHaveTextContent(/Approvers can review it meanwhile/);
    expect(
      screen.getByRole('button', { name: 'Request approval' }),
    ).toBeEnabled();
  });

  it('blocks confirm with the reason when the user may not promote', async () => {
    const api = fakeApi({ previewPromotion: jest.fn(async () => preview()) });
    // usePermission caches answers per permission and resource across renders (SWR), so a
    // denial is asked about another component than the tests that are allowed.
    await renderDialog(api, {
      canPromote: false,
      entityRef: 'component:default/locked',
    });

    expect(
      await screen.findByText(
        /You are not allowed to promote this component to Production/,
        undefined,
        SLOW,
      ),
    ).toBeVisible();
    expect(screen.getByRole('button', { name: 'Promote' })).toBeDisabled();
  });

  it('requests approval when approvals are all that is missing', async () => {
    const api = fakeApi({
      previewPromotion: jest.fn(async () =>
        preview({
          allowed: false,
          needsApproval: true,
          gates: [
            { gate: 'approvals', passed: false, message: '0 of 1 approvals.' },
          ],
        }),
      ),
      createPromotion: jest.fn(async () =>
        promotion({ status: 'pending_approval', targetEnvironment: 'prod' }),
      ),
    });
    const { onPromoted } = await renderDialog(api);

    const confirm = await screen.findByRole(
      'button',
      { name: 'Request approval' },
      SLOW,
    );
    await waitFor(() => expect(confirm).toBeEnabled());
    await userEvent.type(screen.getByLabelText('Reason'), 'Release 1.1');
    await userEvent.click(confirm);

    await waitFor(() => expect(onPromoted).toHaveBeenCalled());
    expect(api.createPromotion).toHaveBeenCalledWith({
      entityRef: ENTITY_REF,
      sourceEnvironment: 'qa',
      targetEnvironment: 'prod',
      digest: digest('b'),
      targetTag: undefined,
      reason: 'Release 1.1',
    });
  });

  it('previews again when the target tag changes', async () => {
    const previewPromotion = jest.fn(async () => preview());
    const api = fakeApi({ previewPromotion });
    await renderDialog(api);

    await screen.findByText('All 2 checks passed', undefined, SLOW);
    await userEvent.type(screen.getByLabelText('Target tag'), 'release-7');

    await waitFor(() =>
      expect(previewPromotion).toHaveBeenLastCalledWith(
        expect.objectContaining({ targetTag: 'release-7' }),
      ),
    );
  });

  it('folds all-green gates into one line that expands', async () => {
    const api = fakeApi({ previewPromotion: jest.fn(async () => preview()) });
    await renderDialog(api);

    expect(
      await screen.findByText('All 2 checks passed', undefined, SLOW),
    ).toBeVisible();
    expect(screen.queryByRole('list', { name: 'Policy checks' })).toBeNull();
    const show = screen.getByRole('button', { name: 'Show checks' });
    expect(show).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(show);
    expect(
      within(screen.getByRole('list', { name: 'Policy checks' })).getByRole(
        'listitem',
        { name: 'Soak time passed: Soaked 30h of 24h in QA.' },
      ),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Hide checks' })).toHaveAttribute(
      'aria-expanded',
      'true',
    );
  });

  it('puts a failed request at the top, in words', async () => {
    const conflict = await responseError(
      409,
      'promotion 0b7e4d1a-93c2-4f5e-8a61-2d9c3b4e5f60 into prod is already open; body.targetTag must match the tag pattern',
    );
    const api = fakeApi({
      previewPromotion: jest.fn(async () => preview()),
      createPromotion: jest.fn(async () => {
        throw conflict;
      }),
    });
    await renderDialog(api);

    const confirm = await screen.findByRole(
      'button',
      { name: 'Promote' },
      SLOW,
    );
    await waitFor(() => expect(confirm).toBeEnabled());
    await userEvent.click(confirm);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'promotion into prod is already open; target tag must match the tag pattern',
    );
    expect(alert).not.toHaveTextContent(/0b7e4d1a|body\.|targetTag/);
    // Above the candidates, so it is seen without scrolling.
    const candidates = screen.getByRole('radiogroup', {
      name: 'Candidate versions',
    });
    expect(
      alert.compareDocumentPosition(candidates) &
        Node.DOCUMENT_POSITION_FOLLOWING,
    ).toBeTruthy();
  });

  it('runs the policy check again when the request itself is refused, and names each refusing gate once', async () => {
    const refusal = await responseError(
      409,
      'Promotion refused by policy: Production is frozen.',
    );
    Object.assign(refusal.body, {
      gates: [
        { gate: 'order', passed: true, message: 'The digest is current.' },
        { gate: 'freeze', passed: false, message: 'Production is frozen.' },
      ],
    });
    // The first check passed; by the time the user confirms, a freeze has begun.
    const previewPromotion = jest
      .fn()
      .mockResolvedValueOnce(preview())
      .mockResolvedValue(
        preview({
          allowed: false,
          canRequest: false,
          gates: [
            { gate: 'order', passed: true, message: 'The digest is current.' },
            {
              gate: 'freeze',
              passed: false,
              message: 'Production is frozen.',
            },
          ],
        }),
      );
    const api = fakeApi({
      previewPromotion,
      createPromotion: jest.fn(async () => {
        throw refusal;
      }),
    });
    await renderDialog(api);

    const confirm = await screen.findByRole(
      'button',
      { name: 'Promote' },
      SLOW,
    );
    await waitFor(() => expect(confirm).toBeEnabled());
    await userEvent.click(confirm);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'Policy refused this promotion when you requested it: something changed since the policy check below ran. It has run again.',
    );
    await waitFor(() => expect(previewPromotion).toHaveBeenCalledTimes(2));
    // The check below now holds the refusal; the dialog says what to fix once.
    expect(
      await screen.findByText('Freeze window: failed'),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/Production is frozen/)).toHaveLength(1);
    expect(screen.getByRole('button', { name: /Promote/ })).toBeDisabled();
  });
});

describe('candidateVersions', () => {
  it('lists newest first, and versions found together by their version tags, highest first', () => {
    const source = status().environments[0];
    const at = new Date(Date.now() - 60_000).toISOString();
    const later = new Date().toISOString();
    const version = (c: string, tags: string[], firstSeen = at) => ({
      digest: digest(c),
      tags,
      firstSeen,
      lastSeen: later,
      origin: 'discovered' as const,
      promotionId: null,
    });
    const ordered = candidateVersions({
      ...source,
      versions: [
        version('a', ['1.0.0']),
        version('b', []),
        version('c', ['1.9.2']),
        version('d', ['1.10.0', 'dev']),
        version('e', ['build-7'], later),
      ],
    });
    expect(ordered.map(v => v.digest)).toEqual(
      ['e', 'd', 'c', 'a', 'b'].map(digest),
    );
  });
});
