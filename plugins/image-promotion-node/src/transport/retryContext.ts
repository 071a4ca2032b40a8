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

import { AsyncLocalStorage } from 'node:async_hooks';
import type { RetryEvent } from './retry';

/**
 * Carries the retry listener of the operation in progress (a copy) down to
 * the transport without threading a callback through every repository method:
 * the ImageRepository interface stays small and retries still surface as
 * progress events of the copy that caused them.
 */
const retryListeners = new AsyncLocalStorage<(event: RetryEvent) => void>();

/** Runs `fn` with `listener` receiving every retry the transport makes on its behalf. */
export function withRetryListener<T>(
  listener: ((event: RetryEvent) => void) | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  return listener ? retryListeners.run(listener, fn) : fn();
}

/** Reports a retry to the listener of the current operation, if any. */
export function reportRetry(event: RetryEvent): void {
  retryListeners.getStore()?.(event);
}
