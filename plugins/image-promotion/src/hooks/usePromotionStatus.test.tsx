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

import { TestApiProvider } from '@backstage/test-utils';
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { imagePromotionApiRef } from '../api';
import { fakeApi, promotion, status } from '../__testUtils__/data';
import {
  IDLE_POLL_MS,
  PENDING_POLL_MS,
  RUNNING_POLL_MS,
  usePromotionStatus,
} from './usePromotionStatus';

const REF = 'component:default/payments';

/** Lets the pending promise callbacks (the API call and React's updates) run. */
async function settle() {
  await act(async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  });
}

async function advance(ms: number) {
  await act(async () => {
    jest.advanceTimersByTime(ms);
  });
  await settle();
}

describe('usePromotionStatus', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each([
    ['a copy runs', 'copying' as const, RUNNING_POLL_MS],
    [
      'a promotion waits for approval',
      'pending_approval' as const,
      PENDING_POLL_MS,
    ],
    ['nothing is open', undefined, IDLE_POLL_MS],
  ])('polls while %s (open: %s) every %d ms', async (_what, open, pollMs) => {
    const getStatus = jest.fn(async () =>
      status(
        open ? { qa: { openPromotion: promotion({ status: open }) } } : {},
      ),
    );
    const api = fakeApi({ getStatus });
    const wrapper = ({ children }: { children: ReactNode }) => (
      <TestApiProvider apis={[[imagePromotionApiRef, api]]}>
        {children}
      </TestApiProvider>
    );
    const { result } = renderHook(() => usePromotionStatus(REF), { wrapper });
    await settle();
    expect(result.current.status).toBeDefined();
    expect(getStatus).toHaveBeenCalledTimes(1);

    await advance(pollMs - 1);
    expect(getStatus).toHaveBeenCalledTimes(1);
    await advance(1);
    expect(getStatus).toHaveBeenCalledTimes(2);
    await advance(pollMs);
    expect(getStatus).toHaveBeenCalledTimes(3);
  });
});
