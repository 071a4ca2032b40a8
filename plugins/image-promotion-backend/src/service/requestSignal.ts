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

import type { Response } from 'express';
import { CallerGoneError } from '../registry/registryFailure';

/** What registry work done for one API request runs under. */
export interface RequestDeadline {
  /** Fires when the deadline passes (reason: a TimeoutError) or the caller goes away (reason: CallerGoneError). */
  signal: AbortSignal;
  deadlineMs: number;
}

/**
 * The signal registry calls made on behalf of an HTTP request run under: the
 * API answers within `deadlineMs` even when a registry stalls, and stops the
 * work (creating nothing) once the caller has closed the connection.
 */
export function requestDeadline(
  res: Response,
  deadlineMs: number,
): RequestDeadline {
  const gone = new AbortController();
  res.once('close', () => {
    // 'close' after the response was written is the normal end.
    if (!res.writableFinished) gone.abort(new CallerGoneError());
  });
  return {
    signal: AbortSignal.any([gone.signal, AbortSignal.timeout(deadlineMs)]),
    deadlineMs,
  };
}
