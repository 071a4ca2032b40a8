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

import type {
  AuditorService,
  AuditorServiceCreateEventOptions,
} from '@backstage/backend-plugin-api';

/** Audit event ids of the state changes the API makes. */
export type AuditEventId =
  | 'promotion-request'
  | 'promotion-approve'
  | 'promotion-reject'
  | 'promotion-cancel'
  | 'drift-acknowledge'
  | 'webhook-refresh'
  | 'component-refresh'
  | 'auto-promotion-pause';

/** JSON metadata of an audit event. */
export type AuditMeta = NonNullable<AuditorServiceCreateEventOptions['meta']>;

/**
 * Runs a state change between an audit event's creation and its outcome:
 * `success` with the metadata of the result, or `fail` with the error, which
 * is then rethrown for the error handler.
 */
export async function audited<T>(
  auditor: AuditorService,
  event: Omit<AuditorServiceCreateEventOptions, 'eventId'> & {
    eventId: AuditEventId;
  },
  change: () => Promise<T>,
  describeResult?: (result: T) => AuditMeta,
): Promise<T> {
  const auditEvent = await auditor.createEvent(event);
  try {
    const result = await change();
    await auditEvent.success(
      describeResult ? { meta: describeResult(result) } : undefined,
    );
    return result;
  } catch (error) {
    await auditEvent.fail({
      error: error instanceof Error ? error : new Error(String(error)),
    });
    throw error;
  }
}
