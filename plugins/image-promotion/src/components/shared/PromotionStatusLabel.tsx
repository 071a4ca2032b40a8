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
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
} from '@backstage/core-components';
import type { PromotionStatus } from '@image-promotion/plugin-image-promotion-common';
import { statusLabel } from './format';

/** A promotion status with the theme's status colour and its name in words. */
export const PromotionStatusLabel = (props: { status: PromotionStatus }) => {
  const label = statusLabel(props.status);
  switch (props.status) {
    case 'succeeded':
      return <StatusOK>{label}</StatusOK>;
    case 'failed':
    case 'rejected':
      return <StatusError>{label}</StatusError>;
    case 'cancelled':
      return <StatusAborted>{label}</StatusAborted>;
    case 'pending_approval':
      return <StatusPending>{label}</StatusPending>;
    default:
      return <StatusRunning>{label}</StatusRunning>;
  }
};
