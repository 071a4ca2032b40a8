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
  IMAGE_PROMOTION_SIGNAL_CHANNEL,
  ImagePromotionSignal,
} from '@image-promotion/plugin-image-promotion-common';
import { useSignal } from '@backstage/plugin-signals-react';
import { useEffect, useState } from 'react';
import useInterval from 'react-use/esm/useInterval';

/**
 * A counter that moves whenever what a view shows may have changed: on every signal from the
 * image promotion backend (about `entityRef`, when given), or, in apps without the signals
 * plugin, every `pollMs` (no polling when `pollMs` is null). Use it as a dependency to reload.
 */
export function usePromotionSignals(options: {
  entityRef?: string;
  pollMs: number | null;
}): {
  signal: number;
  isSignalsAvailable: boolean;
  lastSignal: ImagePromotionSignal | null;
} {
  const { entityRef, pollMs } = options;
  const { lastSignal, isSignalsAvailable } = useSignal<ImagePromotionSignal>(
    IMAGE_PROMOTION_SIGNAL_CHANNEL,
  );
  const [signal, setSignal] = useState(0);
  useEffect(() => {
    if (lastSignal && (!entityRef || lastSignal.entityRef === entityRef)) {
      setSignal(n => n + 1);
    }
  }, [lastSignal, entityRef]);
  useInterval(() => setSignal(n => n + 1), isSignalsAvailable ? null : pollMs);
  return { signal, isSignalsAvailable, lastSignal };
}
