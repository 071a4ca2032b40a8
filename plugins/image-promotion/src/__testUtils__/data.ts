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

import type { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { mockApis } from '@backstage/test-utils';
import {
  ANNOTATION_IMAGE,
  DriftEvent,
  EntityPromotionStatus,
  EnvironmentPolicySummary,
  EnvironmentStatus,
  Promotion,
} from '@image-promotion/plugin-image-promotion-common';
import type { ImagePromotionApi } from '../api';

export const ENTITY_REF = 'component:default/checkout';

/** A digest made of one repeated hex character, e.g. digest('a') = sha256:aaaa…. */
export function digest(char: string): string {
  return `sha256:${char.repeat(64)}`;
}

const HOUR = 3_600_000;
/** An ISO instant `hours` ago. */
export function hoursAgo(hours: number): string {
  return new Date(Date.now() - hours * HOUR).toISOString();
}

export function entity(
  annotations: Record<string, string> = { [ANNOTATION_IMAGE]: 'checkout' },
  name: string = 'checkout',
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', annotations },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  };
}

/** A policy without gates, with `overrides` applied. */
export function policy(
  overrides: Partial<EnvironmentPolicySummary> = {},
): EnvironmentPolicySummary {
  return {
    approvals: 0,
    approverGroups: [],
    soakTimeMs: 0,
    immutableTags: false,
    requirePreviousEnvironment: 'present',
    allowSkip: false,
    activeFreeze: null,
    ...overrides,
  };
}

export function environment(
  id: string,
  title: string,
  overrides: Partial<EnvironmentStatus> = {},
): EnvironmentStatus {
  return {
    id,
    title,
    registry: {
      name: id,
      type: 'registry',
      repository: `${id}/checkout`,
      location: `registry.example.com/${id}/checkout`,
    },
    currentTag: null,
    current: null,
    versions: [],
    openPromotion: null,
    drift: [],
    policy: policy(),
    trackingError: null,
    lastFailure: null,
    ...overrides,
  };
}

export function promotion(overrides: Partial<Promotion> = {}): Promotion {
  return {
    id: 'p-1',
    entityRef: ENTITY_REF,
    sourceEnvironment: 'dev',
    targetEnvironment: 'qa',
    digest: digest('b'),
    sourceTag: '1.1.0',
    targetTag: '1.1.0',
    reason: null,
    status: 'queued',
    requestedBy: 'user:default/alice',
    isRollback: false,
    gates: [],
    failureReason: null,
    progress: { bytesCopied: 0, bytesTotal: null },
    attempts: 0,
    createdAt: hoursAgo(1),
    updatedAt: hoursAgo(1),
    startedAt: null,
    finishedAt: null,
    eligibleAt: null,
    ...overrides,
  };
}

/** An unacknowledged drift event: tag 1.0.0 in qa moved from a to c. */
export function driftEvent(overrides: Partial<DriftEvent> = {}): DriftEvent {
  return {
    id: 'd-1',
    entityRef: ENTITY_REF,
    environment: 'qa',
    tag: '1.0.0',
    previousDigest: digest('a'),
    newDigest: digest('c'),
    detectedAt: hoursAgo(1),
    acknowledgedAt: null,
    acknowledgedBy: null,
    acknowledgeComment: null,
    ...overrides,
  };
}

/** dev runs 1.1.0 (b), qa and prod run 1.0.0 (a); prod needs an approval and 24 h of soak in qa. */
export function status(
  overrides: Partial<
    Record<'dev' | 'qa' | 'prod', Partial<EnvironmentStatus>>
  > = {},
): EntityPromotionStatus {
  const v100 = {
    digest: digest('a'),
    tags: ['1.0.0'],
    origin: 'promotion' as const,
    promotionId: null,
  };
  const v110 = {
    digest: digest('b'),
    tags: ['1.1.0'],
    origin: 'discovered' as const,
    promotionId: null,
  };
  return {
    entityRef: ENTITY_REF,
    title: 'Checkout',
    image: 'checkout',
    pipeline: 'default',
    environments: [
      environment('dev', 'Development', {
        current: {
          digest: digest('b'),
          tag: '1.1.0',
          since: hoursAgo(5),
          by: null,
          promotionId: null,
        },
        versions: [
          { ...v110, firstSeen: hoursAgo(5), lastSeen: hoursAgo(0) },
          { ...v100, firstSeen: hoursAgo(48), lastSeen: hoursAgo(0) },
        ],
        ...overrides.dev,
      }),
      environment('qa', 'QA', {
        current: {
          digest: digest('a'),
          tag: '1.0.0',
          since: hoursAgo(6),
          by: 'user:default/jane',
          promotionId: 'p-0',
        },
        versions: [{ ...v100, firstSeen: hoursAgo(6), lastSeen: hoursAgo(0) }],
        ...overrides.qa,
      }),
      environment('prod', 'Production', {
        current: {
          digest: digest('a'),
          tag: '1.0.0',
          since: hoursAgo(2),
          by: 'user:default/jane',
          promotionId: 'p-00',
        },
        versions: [{ ...v100, firstSeen: hoursAgo(2), lastSeen: hoursAgo(0) }],
        policy: policy({
          approvals: 1,
          soakTimeMs: 24 * HOUR,
          immutableTags: true,
        }),
        ...overrides.prod,
      }),
    ],
  };
}

/** An {@link ImagePromotionApi} whose every method is a jest mock; set what a test needs. */
export function fakeApi(
  overrides: Partial<ImagePromotionApi> = {},
): jest.Mocked<ImagePromotionApi> {
  const unexpected = (name: string) =>
    jest.fn(async () => {
      throw new Error(`unexpected call to ${name}`);
    });
  return {
    getStatus: jest.fn(async () => status()),
    refresh: jest.fn(async () => status()),
    previewPromotion: unexpected('previewPromotion'),
    createPromotion: unexpected('createPromotion'),
    getPromotion: unexpected('getPromotion'),
    listPromotions: jest.fn(async () => ({
      items: [],
      totalCount: 0,
      nextCursor: null,
    })),
    approvePromotion: jest.fn(async () => promotion({ status: 'queued' })),
    rejectPromotion: jest.fn(async () => promotion({ status: 'rejected' })),
    cancelPromotion: jest.fn(async () => promotion({ status: 'cancelled' })),
    acknowledgeDrift: jest.fn(async (id: string) =>
      driftEvent({
        id,
        acknowledgedAt: hoursAgo(0),
        acknowledgedBy: 'user:default/alice',
      }),
    ),
    getOverview: jest.fn(async () => ({ items: [], totalCount: 0 })),
    getMetrics: unexpected('getMetrics'),
    getAutoPromotion: jest.fn(async (entityRef: string) => ({
      entityRef,
      environments: [],
      paused: false,
      pausedBy: null,
      pausedAt: null,
      reason: null,
    })),
    setAutoPromotion: unexpected('setAutoPromotion'),
    retryPromotion: unexpected('retryPromotion'),
    getApprovalInbox: jest.fn(async () => ({ items: [], totalCount: 0 })),
    getDriftHistory: jest.fn(async () => ({ items: [] })),
    ...overrides,
  } as jest.Mocked<ImagePromotionApi>;
}

/** A ResponseError-compatible failed response, as `ResponseError.fromResponse` reads it. */
export function failedResponse(
  statusCode: number,
  message: string,
): Parameters<typeof ResponseError.fromResponse>[0] {
  const body = JSON.stringify({
    error: { name: 'Error', message },
    request: { method: 'GET', url: '/' },
    response: { statusCode },
  });
  return {
    ok: false,
    status: statusCode,
    statusText: 'Error',
    url: 'http://localhost/api/image-promotion',
    type: 'basic' as const,
    redirected: false,
    headers: {
      get: (name: string) =>
        name.toLowerCase() === 'content-type' ? 'application/json' : null,
    },
    text: async () => body,
  } as unknown as Parameters<typeof ResponseError.fromResponse>[0];
}

/** A ResponseError as the client throws it for a failed request. */
export function responseError(
  statusCode: number,
  message: string,
): Promise<ResponseError> {
  return ResponseError.fromResponse(failedResponse(statusCode, message));
}

// AuthorizeResult lives in @backstage/plugin-permission-common, which this package does not
// depend on; its string values are stable API, so the tests spell them out.
type PermissionDecision = Exclude<
  NonNullable<Parameters<typeof mockApis.permission>[0]>['authorize'],
  Function | undefined
>;
/** AuthorizeResult.ALLOW */
export const ALLOW = 'ALLOW' as unknown as PermissionDecision;
/** AuthorizeResult.DENY */
export const DENY = 'DENY' as unknown as PermissionDecision;
