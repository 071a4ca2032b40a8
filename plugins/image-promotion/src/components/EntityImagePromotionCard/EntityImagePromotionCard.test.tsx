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

import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { screen, within } from '@testing-library/react';
import { ImagePromotionApi, imagePromotionApiRef } from '../../api';
import {
  driftEvent,
  entity,
  fakeApi,
  promotion,
  status,
} from '../../__testUtils__/data';
import { EntityImagePromotionCard } from './EntityImagePromotionCard';

const SLOW = { timeout: 5000 };
jest.setTimeout(30_000);

async function renderCard(
  api: ImagePromotionApi,
  annotations?: Record<string, string>,
) {
  await renderInTestApp(
    <TestApiProvider apis={[[imagePromotionApiRef, api]]}>
      <EntityProvider entity={entity(annotations)}>
        <EntityImagePromotionCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('EntityImagePromotionCard', () => {
  it('shows compact lanes and links to the Promotion tab', async () => {
    const api = fakeApi({
      getStatus: jest.fn(async () =>
        status({
          qa: {
            openPromotion: promotion({
              status: 'copying',
              progress: { bytesCopied: 50, bytesTotal: 200 },
            }),
          },
          prod: {
            drift: [driftEvent({ environment: 'prod' })],
          },
        }),
      ),
    });
    await renderCard(api);

    const qa = await screen.findByRole(
      'region',
      { name: 'QA environment' },
      SLOW,
    );
    expect(within(qa).getByLabelText('Current tag in QA')).toHaveTextContent(
      '1.0.0',
    );
    expect(
      within(qa).getByRole('progressbar', { name: 'Copy progress into QA' }),
    ).toHaveAttribute('aria-valuenow', '25');
    expect(
      screen.getByRole('img', { name: 'Drift in Production' }),
    ).toBeInTheDocument();
    // The card has no promote actions; those live on the tab.
    expect(screen.queryByRole('button', { name: /^Promote from/ })).toBeNull();
    expect(
      screen.getByRole('link', { name: /Open the Promotion tab/ }),
    ).toHaveAttribute('href', '/catalog/default/component/checkout/promotion');
  });

  it('says when nothing has been seen yet', async () => {
    const api = fakeApi({
      getStatus: jest.fn(async () => ({
        ...status(),
        environments: status().environments.map(e => ({
          ...e,
          current: null,
          versions: [],
        })),
      })),
    });
    await renderCard(api);

    expect(
      await screen.findByText(
        'No versions of checkout seen yet.',
        undefined,
        SLOW,
      ),
    ).toBeInTheDocument();
  });
});
