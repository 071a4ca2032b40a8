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
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { imagePromotionApiRef } from '../../api';
import { fakeApi, status } from '../../__testUtils__/data';
import { AutoPromotionToggle } from './AutoPromotionToggle';

const REF = 'component:default/checkout';
const state = {
  entityRef: REF,
  environments: ['qa'],
  paused: false,
  pausedBy: null,
  pausedAt: null,
  reason: null,
};

async function renderToggle(api: ReturnType<typeof fakeApi>) {
  const onChanged = jest.fn();
  await renderInTestApp(
    <TestApiProvider apis={[[imagePromotionApiRef, api]]}>
      <AutoPromotionToggle
        entityRef={REF}
        environments={status().environments}
        onChanged={onChanged}
      />
    </TestApiProvider>,
  );
  return onChanged;
}

describe('AutoPromotionToggle', () => {
  it('says which environments promote by themselves, and pauses them', async () => {
    const api = fakeApi({
      getAutoPromotion: jest.fn(async () => state),
      setAutoPromotion: jest.fn(async () => ({
        ...state,
        paused: true,
        pausedBy: 'user:default/alice',
        pausedAt: '2026-12-01T10:00:00.000Z',
      })),
    });
    const onChanged = await renderToggle(api);
    expect(await screen.findByText('Auto-promotion on')).toBeInTheDocument();
    expect(
      screen.getByText(/New versions move into QA by themselves/),
    ).toBeInTheDocument();

    fireEvent.click(screen.getByRole('checkbox', { name: 'Auto-promotion' }));
    expect(
      await screen.findByText('Auto-promotion paused'),
    ).toBeInTheDocument();
    expect(api.setAutoPromotion).toHaveBeenCalledWith(REF, { paused: true });
    expect(screen.getByText(/Paused by alice/)).toBeInTheDocument();
    expect(onChanged).toHaveBeenCalled();
  });

  it('shows why a pause was refused and keeps the switch as it was', async () => {
    const api = fakeApi({
      getAutoPromotion: jest.fn(async () => state),
      setAutoPromotion: jest.fn(async () => {
        throw new Error(
          'Not allowed: you lack the image-promotion.promote permission on component:default/checkout',
        );
      }),
    });
    await renderToggle(api);
    fireEvent.click(
      await screen.findByRole('checkbox', { name: 'Auto-promotion' }),
    );
    expect(
      await screen.findByText(/Could not pause auto-promotion/),
    ).toBeInTheDocument();
    expect(screen.getByText(/image-promotion.promote/)).toBeInTheDocument();
    expect(screen.getByText('Auto-promotion on')).toBeInTheDocument();
  });

  it('shows nothing when no environment promotes by itself', async () => {
    const api = fakeApi();
    await renderToggle(api);
    await waitFor(() => expect(api.getAutoPromotion).toHaveBeenCalled());
    expect(screen.queryByTestId('auto-promotion')).toBeNull();
  });
});
