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

import type { OverviewItem } from '@image-promotion/plugin-image-promotion-common';
import { useCallback, useEffect, useState } from 'react';
import type { ImagePromotionApi } from '../../api';

/** Components per overview request: the first rows show after one small response. */
export const OVERVIEW_PAGE_SIZE = 250;

/** The overview as loaded so far. */
export interface OverviewPages {
  /** Undefined until the first page arrived. */
  items?: OverviewItem[];
  /** Components the backend has for this reader (all pages). */
  totalCount?: number;
  /** Every page arrived. */
  complete: boolean;
  error?: Error;
  retry(): void;
}

/**
 * Loads the overview page by page ({@link OVERVIEW_PAGE_SIZE} components per
 * request), showing the first rows at once and adding the rest as they
 * arrive; a 5,000-component catalog is 20 small responses instead of one of
 * several megabytes. A change of `reloadKey` loads again, keeping the rows
 * shown until the new first page replaces them.
 */
export function useOverviewPages(
  api: Pick<ImagePromotionApi, 'getOverview'>,
  reloadKey: unknown,
): OverviewPages {
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<Omit<OverviewPages, 'retry'>>({
    complete: false,
  });

  useEffect(() => {
    let cancelled = false;
    (async () => {
      setState(s => ({ ...s, error: undefined }));
      const items: OverviewItem[] = [];
      for (;;) {
        const page = await api.getOverview({
          limit: OVERVIEW_PAGE_SIZE,
          offset: items.length,
        });
        if (cancelled) return;
        items.push(...page.items);
        const complete =
          page.items.length === 0 || items.length >= page.totalCount;
        setState({
          items: [...items],
          totalCount: Math.max(page.totalCount, items.length),
          complete,
        });
        if (complete) return;
      }
    })().catch(error => {
      if (!cancelled) {
        setState(s => ({ ...s, error: error as Error }));
      }
    });
    return () => {
      cancelled = true;
    };
  }, [api, reloadKey, attempt]);

  const retry = useCallback(() => setAttempt(a => a + 1), []);
  return { ...state, retry };
}
