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

import { useApi } from '@backstage/core-plugin-api';
import type {
  EntityPromotionStatus,
  Promotion,
} from '@image-promotion/plugin-image-promotion-common';
import { useCallback, useRef, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { imagePromotionApiRef } from '../api';
import { isRunning } from '../components/shared/format';
import { usePromotionSignals } from './usePromotionSignals';

/** Poll interval while a copy runs, so progress moves without a reload. */
export const RUNNING_POLL_MS = 1000;
/** Poll interval while promotions only wait for approval; someone else may approve at any time. */
export const PENDING_POLL_MS = 5000;
/**
 * Poll interval when nothing is open: someone else may promote, or tracking
 * may find a moved tag, and an open tab should show it without a reload.
 */
export const IDLE_POLL_MS = 30_000;

/** The open (not finished) promotions of a status, one per environment at most. */
export function openPromotions(
  status: EntityPromotionStatus | undefined,
): Promotion[] {
  return (status?.environments ?? []).flatMap(env =>
    env.openPromotion &&
    (env.openPromotion.status === 'pending_approval' ||
      isRunning(env.openPromotion.status))
      ? [env.openPromotion]
      : [],
  );
}

/**
 * With signals, the backend announces every change of state; polling remains only while a copy
 * runs, for the bytes-copied figure, which is not announced.
 */
export const SIGNALLED_RUNNING_POLL_MS = 2000;
/**
 * Right after the user started a promotion, most copies finish within a second or two: look
 * often for that long, so the lane shows the result at once instead of at the next slow poll.
 */
export const JUST_STARTED_POLL_MS = 200;
/** How long after the user's action the fast polling lasts. */
export const JUST_STARTED_WINDOW_MS = 5000;

/**
 * Loads a component's promotion status and keeps it fresh. With the signals plugin, it reloads
 * on each announced change of the component (and every two seconds while a copy runs, for its
 * progress). Without it, it polls: every second while a copy runs, every few seconds while
 * something waits for approval, every half minute otherwise. A failed poll keeps the last good
 * status on screen and reports the error beside it.
 */
export function usePromotionStatus(entityRef: string) {
  const api = useApi(imagePromotionApiRef);
  const { signal, isSignalsAvailable } = usePromotionSignals({
    entityRef,
    pollMs: null,
  });
  const state = useAsyncRetry(
    () => api.getStatus(entityRef),
    [api, entityRef, signal],
  );
  const lastGood = useRef<EntityPromotionStatus | undefined>(undefined);
  if (state.value) {
    lastGood.current = state.value;
  }
  const status = state.value ?? lastGood.current;

  const open = openPromotions(status);
  const running = open.some(p => isRunning(p.status));
  const [fastUntil, setFastUntil] = useState(0);
  const fast = running && Date.now() < fastUntil;
  let pollMs: number | null = IDLE_POLL_MS;
  if (fast) {
    pollMs = JUST_STARTED_POLL_MS;
  } else if (isSignalsAvailable) {
    pollMs = running ? SIGNALLED_RUNNING_POLL_MS : null;
  } else if (running) {
    pollMs = RUNNING_POLL_MS;
  } else if (open.length > 0) {
    pollMs = PENDING_POLL_MS;
  }
  useInterval(state.retry, pollMs);

  return {
    status,
    /** True only for the first load; polls refresh quietly. */
    loading: state.loading && !status,
    error: state.error,
    retry: state.retry,
    /** Call after the user started a promotion: reloads now and looks often for a few seconds. */
    expectChange: useCallback(() => {
      setFastUntil(Date.now() + JUST_STARTED_WINDOW_MS);
      state.retry();
    }, [state]),
    open,
    /** Moves on every announced change; views that show more of the component reload on it. */
    signal,
  };
}
