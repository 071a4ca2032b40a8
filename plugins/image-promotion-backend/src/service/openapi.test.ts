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

import type { AutoPromotionControl } from '../automation/AutoPromotionControl';
import { mockServices } from '@backstage/backend-test-utils';
import type {
  AutoPromotionState,
  ChangeHeadline,
  ChangeSummary,
  ImageLabelChange,
  LayerChange,
  PlatformChange,
  ApprovalInbox,
  ApprovalInboxItem,
  CurrentVersion,
  DriftHistory,
  PromotionActions,
  PromotionCopyFigures,
  PromotionDetails,
  PromotionEndpoint,
  PromotionFailure,
  DeliveryMetrics,
  DriftEvent,
  DurationStats,
  EntityPromotionStatus,
  EnvironmentPolicySummary,
  EnvironmentFailure,
  EnvironmentStatus,
  EnvironmentTrackingError,
  EnvironmentVersion,
  GateResult,
  OverviewEnvironment,
  OverviewItem,
  OverviewResponse,
  Promotion,
  PromotionApproval,
  PromotionEvent,
  PromotionPage,
  PromotionPreview,
} from '@image-promotion/plugin-image-promotion-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ImagePromotionConfig } from '../config';
import type { ImagePromotionStores, ReadModelQueries } from '../database';
import type { PromotionChanges } from '../changes';
import type { PromotionService } from '../promotion/PromotionService';
import type { RegistryAccess } from '../registry/RegistryAccess';
import type { Tracker } from '../tracking/Tracker';
import { createRouter } from './router';
import {
  autoPromotionBodySchema,
  decisionBodySchema,
  previewBodySchema,
  promotionBodySchema,
  retryBodySchema,
} from './schemas';

const spec = readFileSync(join(__dirname, '../schema/openapi.yaml'), 'utf8');

/** `METHOD /path/{param}` of every operation in the OpenAPI document. */
function documentedOperations(): string[] {
  const operations: string[] = [];
  let path: string | undefined;
  let inPaths = false;
  for (const line of spec.split('\n')) {
    if (/^\S/.test(line)) inPaths = line.startsWith('paths:');
    if (!inPaths) continue;
    const pathMatch = /^ {2}(\/\S*):\s*$/.exec(line);
    if (pathMatch) path = pathMatch[1];
    const methodMatch = /^ {4}(get|post|put|patch|delete):\s*$/.exec(line);
    if (methodMatch && path) {
      operations.push(`${methodMatch[1].toUpperCase()} ${path}`);
    }
  }
  return operations.sort();
}

/** Property names of a schema in `components.schemas`. */
function documentedProperties(schema: string): string[] {
  const lines = spec.split('\n');
  const start = lines.findIndex(l => l === `    ${schema}:`);
  expect(start).toBeGreaterThan(0);
  const names: string[] = [];
  let inProperties = false;
  for (const line of lines.slice(start + 1)) {
    if (/^ {4}\S/.test(line)) break;
    if (/^ {6}properties:/.test(line)) {
      inProperties = true;
      continue;
    }
    if (/^ {6}\S/.test(line)) inProperties = false;
    const match = /^ {8}([A-Za-z][A-Za-z0-9]*):/.exec(line);
    if (inProperties && match) names.push(match[1]);
  }
  return names.sort();
}

type ExpressLayer = {
  route?: { path: string; methods: Record<string, boolean> };
};

function bodyKeys(schema: z.ZodTypeAny): string[] {
  let inner: z.ZodTypeAny = schema;
  while (inner instanceof z.ZodEffects) inner = inner.innerType();
  return Object.keys((inner as z.AnyZodObject).shape).sort();
}

/** Every key of `T`, checked by the compiler: a key added to or dropped from the type fails to build. */
function keysOf<T>(keys: Record<keyof T, true>): string[] {
  return Object.keys(keys).sort();
}

// The response schemas and the common type each one documents.
const RESPONSE_TYPES: Array<[schema: string, keys: string[]]> = [
  [
    'Gate',
    keysOf<GateResult>({
      gate: true,
      passed: true,
      message: true,
      eligibleAt: true,
    }),
  ],
  [
    'PromotionPreview',
    keysOf<PromotionPreview>({
      entityRef: true,
      digest: true,
      sourceEnvironment: true,
      targetEnvironment: true,
      sourceTag: true,
      targetTag: true,
      isRollback: true,
      allowed: true,
      needsApproval: true,
      canRequest: true,
      eligibleAt: true,
      gates: true,
      changes: true,
      changesProblem: true,
    }),
  ],
  [
    'Promotion',
    keysOf<Promotion>({
      id: true,
      entityRef: true,
      sourceEnvironment: true,
      targetEnvironment: true,
      digest: true,
      sourceTag: true,
      targetTag: true,
      reason: true,
      status: true,
      requestedBy: true,
      isRollback: true,
      gates: true,
      failureReason: true,
      progress: true,
      attempts: true,
      createdAt: true,
      updatedAt: true,
      startedAt: true,
      finishedAt: true,
      eligibleAt: true,
    }),
  ],
  [
    'PromotionEvent',
    keysOf<PromotionEvent>({
      id: true,
      promotionId: true,
      fromStatus: true,
      toStatus: true,
      actor: true,
      message: true,
      at: true,
    }),
  ],
  [
    'Approval',
    keysOf<PromotionApproval>({
      promotionId: true,
      approver: true,
      digest: true,
      decision: true,
      comment: true,
      at: true,
    }),
  ],
  [
    'PromotionList',
    keysOf<PromotionPage>({
      items: true,
      changes: true,
      totalCount: true,
      nextCursor: true,
    }),
  ],
  [
    'CurrentVersion',
    keysOf<CurrentVersion>({
      digest: true,
      tag: true,
      since: true,
      by: true,
      promotionId: true,
      approvedBy: true,
    }),
  ],
  [
    'Version',
    keysOf<EnvironmentVersion>({
      digest: true,
      tags: true,
      firstSeen: true,
      lastSeen: true,
      origin: true,
      promotionId: true,
    }),
  ],
  [
    'DriftEvent',
    keysOf<DriftEvent>({
      id: true,
      entityRef: true,
      environment: true,
      tag: true,
      previousDigest: true,
      newDigest: true,
      detectedAt: true,
      acknowledgedAt: true,
      acknowledgedBy: true,
      acknowledgeComment: true,
    }),
  ],
  [
    'PolicySummary',
    keysOf<EnvironmentPolicySummary>({
      approvals: true,
      approverGroups: true,
      soakTimeMs: true,
      immutableTags: true,
      requirePreviousEnvironment: true,
      allowSkip: true,
      activeFreeze: true,
    }),
  ],
  [
    'EnvironmentStatus',
    keysOf<EnvironmentStatus>({
      id: true,
      title: true,
      registry: true,
      currentTag: true,
      current: true,
      versions: true,
      openPromotion: true,
      drift: true,
      policy: true,
      trackingError: true,
      lastFailure: true,
    }),
  ],
  [
    'EnvironmentTrackingError',
    keysOf<EnvironmentTrackingError>({
      message: true,
      lastTriedAt: true,
      failingSince: true,
    }),
  ],
  [
    'EnvironmentFailure',
    keysOf<EnvironmentFailure>({
      promotionId: true,
      targetTag: true,
      failedAt: true,
      message: true,
    }),
  ],
  [
    'EntityStatus',
    keysOf<EntityPromotionStatus>({
      entityRef: true,
      title: true,
      image: true,
      pipeline: true,
      environments: true,
    }),
  ],
  [
    'OverviewEnvironment',
    keysOf<OverviewEnvironment>({
      id: true,
      title: true,
      current: true,
      versionTags: true,
      behind: true,
      pendingApprovals: true,
      drift: true,
      lastFailedPromotion: true,
      trackingError: true,
    }),
  ],
  [
    'OverviewItem',
    keysOf<OverviewItem>({
      entityRef: true,
      title: true,
      image: true,
      pipeline: true,
      owner: true,
      system: true,
      lifecycle: true,
      statuses: true,
      environments: true,
    }),
  ],
  ['Overview', keysOf<OverviewResponse>({ items: true, totalCount: true })],
  ['ApprovalInbox', keysOf<ApprovalInbox>({ items: true, totalCount: true })],
  [
    'ApprovalInboxItem',
    keysOf<ApprovalInboxItem>({
      promotion: true,
      entityTitle: true,
      owner: true,
      targetEnvironmentTitle: true,
      sourceEnvironmentTitle: true,
      approvalsRequired: true,
      approverGroups: true,
      approvals: true,
    }),
  ],
  [
    'PromotionDetailsExtra',
    keysOf<Omit<PromotionDetails, keyof Promotion>>({
      events: true,
      approvals: true,
      entityTitle: true,
      source: true,
      target: true,
      approvalsRequired: true,
      approverGroups: true,
      copy: true,
      failure: true,
      actions: true,
      changes: true,
    }),
  ],
  [
    'ChangeSummary',
    keysOf<ChangeSummary>({
      fromDigest: true,
      toDigest: true,
      identical: true,
      labels: true,
      compare: true,
      layers: true,
      size: true,
      platforms: true,
      problem: true,
      comparedAt: true,
    }),
  ],
  [
    'ImageLabelChange',
    keysOf<ImageLabelChange>({
      key: true,
      title: true,
      from: true,
      to: true,
      changed: true,
    }),
  ],
  [
    'LayerChange',
    keysOf<LayerChange>({
      added: true,
      removed: true,
      shared: true,
      bytesAdded: true,
      bytesRemoved: true,
    }),
  ],
  [
    'PlatformChange',
    keysOf<PlatformChange>({
      platform: true,
      status: true,
      fromDigest: true,
      toDigest: true,
      sizeFrom: true,
      sizeTo: true,
      layers: true,
    }),
  ],
  [
    'ChangeHeadline',
    keysOf<ChangeHeadline>({
      fromVersion: true,
      toVersion: true,
      layersAdded: true,
      layersRemoved: true,
      sizeDelta: true,
      compareUrl: true,
    }),
  ],
  [
    'PromotionEndpoint',
    keysOf<PromotionEndpoint>({
      environment: true,
      title: true,
      registry: true,
    }),
  ],
  [
    'CopyFigures',
    keysOf<PromotionCopyFigures>({
      manifests: true,
      blobs: true,
      bytes: true,
      upToDate: true,
      durationMs: true,
    }),
  ],
  [
    'PromotionFailure',
    keysOf<PromotionFailure>({
      message: true,
      detail: true,
      environment: true,
      registry: true,
    }),
  ],
  [
    'PromotionActions',
    keysOf<PromotionActions>({
      approve: true,
      reject: true,
      cancel: true,
      retry: true,
    }),
  ],
  ['DriftHistory', keysOf<DriftHistory>({ items: true })],
  [
    'DurationStats',
    keysOf<DurationStats>({ count: true, medianHours: true, p90Hours: true }),
  ],
  [
    'AutoPromotionState',
    keysOf<AutoPromotionState>({
      entityRef: true,
      environments: true,
      paused: true,
      pausedBy: true,
      pausedAt: true,
      reason: true,
    }),
  ],
  [
    'Metrics',
    keysOf<DeliveryMetrics>({
      days: true,
      since: true,
      until: true,
      deploymentFrequency: true,
      leadTime: true,
      rollbackRate: true,
      approvalWait: true,
    }),
  ],
];

describe('openapi.yaml', () => {
  it.each(RESPONSE_TYPES)(
    'documents the fields of the common type behind %s',
    (schema, keys) => {
      expect(documentedProperties(schema)).toEqual(keys);
    },
  );

  it('documents every route of the router, and nothing else', async () => {
    const router = await createRouter({
      logger: mockServices.logger.mock(),
      httpAuth: mockServices.httpAuth.mock(),
      userInfo: mockServices.userInfo.mock(),
      permissions: mockServices.permissions.mock(),
      auth: mockServices.auth.mock(),
      auditor: mockServices.auditor.mock(),
      catalog: catalogServiceMock(),
      config: {
        pipelines: new Map(),
        registries: new Map(),
      } as unknown as ImagePromotionConfig,
      stores: {} as ImagePromotionStores,
      readModels: {} as ReadModelQueries,
      access: {} as RegistryAccess,
      tracker: {} as Tracker,
      service: {} as PromotionService,
      autoPromotion: {} as AutoPromotionControl,
      changes: {} as PromotionChanges,
    });
    const routes = (router.stack as ExpressLayer[])
      .filter(layer => layer.route)
      .flatMap(layer =>
        Object.keys(layer.route!.methods).map(
          method =>
            `${method.toUpperCase()} ${layer.route!.path.replace(
              /:(\w+)/g,
              '{$1}',
            )}`,
        ),
      )
      .sort();
    expect(routes).toEqual(documentedOperations());
  });

  it('describes the same request fields as the zod schemas', () => {
    expect(documentedProperties('PromotionRequest')).toEqual(
      bodyKeys(promotionBodySchema),
    );
    expect(documentedProperties('PromotionPreviewRequest')).toEqual(
      bodyKeys(previewBodySchema),
    );
    expect(documentedProperties('Decision')).toEqual(
      bodyKeys(decisionBodySchema),
    );
    expect(documentedProperties('Retry')).toEqual(bodyKeys(retryBodySchema));
    expect(documentedProperties('AutoPromotionUpdate')).toEqual(
      bodyKeys(autoPromotionBodySchema),
    );
  });
});
