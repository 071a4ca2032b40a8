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

import { parseEntityRef } from '@backstage/catalog-model';
import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import type {
  ApprovalInbox,
  AutoPromotionState,
  AutoPromotionUpdate,
  CreatePromotionRequest,
  DeliveryMetrics,
  DriftEvent,
  DriftHistory,
  EntityPromotionStatus,
  GateResult,
  OverviewQuery,
  OverviewResponse,
  Promotion,
  PromotionDecisionRequest,
  PromotionDetails,
  PromotionListQuery,
  PromotionPage,
  PromotionPreview,
  PromotionPreviewRequest,
} from '@image-promotion/plugin-image-promotion-common';
import type { ImagePromotionApi } from './ImagePromotionApi';

/**
 * The {@link ImagePromotionApi} over HTTP, through the app's discovery and fetch APIs (so the
 * user's Backstage token goes along).
 *
 * @public
 */
export class ImagePromotionClient implements ImagePromotionApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getStatus(entityRef: string): Promise<EntityPromotionStatus> {
    return this.request('GET', `${entityPath(entityRef)}/status`);
  }

  async refresh(entityRef: string): Promise<EntityPromotionStatus> {
    return this.request('POST', `${entityPath(entityRef)}/refresh`);
  }

  async previewPromotion(
    request: PromotionPreviewRequest,
  ): Promise<PromotionPreview> {
    return this.request('POST', '/promotions/preview', request);
  }

  async createPromotion(request: CreatePromotionRequest): Promise<Promotion> {
    return this.request('POST', '/promotions', request);
  }

  async getPromotion(id: string): Promise<PromotionDetails> {
    return this.request('GET', `/promotions/${encodeURIComponent(id)}`);
  }

  async listPromotions(query: PromotionListQuery): Promise<PromotionPage> {
    const params = new URLSearchParams();
    setParam(params, 'entityRef', query.entityRef);
    setParam(params, 'environment', query.environment);
    if (query.status?.length) {
      params.set('status', query.status.join(','));
    }
    setParam(params, 'limit', query.limit?.toString());
    setParam(params, 'cursor', query.cursor);
    return this.request('GET', withQuery('/promotions', params));
  }

  async approvePromotion(
    id: string,
    decision: PromotionDecisionRequest = {},
  ): Promise<Promotion> {
    return this.request(
      'POST',
      `/promotions/${encodeURIComponent(id)}/approve`,
      decision,
    );
  }

  async rejectPromotion(
    id: string,
    decision: PromotionDecisionRequest = {},
  ): Promise<Promotion> {
    return this.request(
      'POST',
      `/promotions/${encodeURIComponent(id)}/reject`,
      decision,
    );
  }

  async cancelPromotion(id: string): Promise<Promotion> {
    return this.request('POST', `/promotions/${encodeURIComponent(id)}/cancel`);
  }

  async retryPromotion(
    id: string,
    options: { reason?: string } = {},
  ): Promise<Promotion> {
    return this.request(
      'POST',
      `/promotions/${encodeURIComponent(id)}/retry`,
      options,
    );
  }

  async getApprovalInbox(): Promise<ApprovalInbox> {
    return this.request('GET', '/approvals');
  }

  async acknowledgeDrift(
    id: string,
    options: { comment?: string } = {},
  ): Promise<DriftEvent> {
    return this.request(
      'POST',
      `/drift/${encodeURIComponent(id)}/acknowledge`,
      options,
    );
  }

  async getDriftHistory(entityRef: string): Promise<DriftHistory> {
    return this.request('GET', `${entityPath(entityRef)}/drift`);
  }

  async getAutoPromotion(entityRef: string): Promise<AutoPromotionState> {
    return this.request('GET', `${entityPath(entityRef)}/auto-promotion`);
  }

  async setAutoPromotion(
    entityRef: string,
    update: AutoPromotionUpdate,
  ): Promise<AutoPromotionState> {
    return this.request(
      'PUT',
      `${entityPath(entityRef)}/auto-promotion`,
      update,
    );
  }

  async getOverview(query: OverviewQuery = {}): Promise<OverviewResponse> {
    const params = new URLSearchParams();
    setParam(params, 'owner', query.owner?.join(','));
    setParam(params, 'system', query.system?.join(','));
    setParam(params, 'lifecycle', query.lifecycle?.join(','));
    setParam(params, 'status', query.status?.join(','));
    setParam(params, 'q', query.q);
    setParam(params, 'limit', query.limit?.toString());
    setParam(params, 'offset', query.offset?.toString());
    return this.request('GET', withQuery('/overview', params));
  }

  async getMetrics(
    options: { days?: number; owner?: string[] } = {},
  ): Promise<DeliveryMetrics> {
    const params = new URLSearchParams();
    setParam(params, 'days', options.days?.toString());
    setParam(params, 'owner', options.owner?.join(','));
    return this.request('GET', withQuery('/metrics', params));
  }

  private async request<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('image-promotion');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method,
      headers:
        body === undefined ? undefined : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    if (response.status === 204) {
      return undefined as T;
    }
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

/**
 * The failed gates a policy refusal (HTTP 409 from `POST /promotions`) carried, if `error` is one.
 *
 * @public
 */
export function refusedGates(error: unknown): GateResult[] | undefined {
  if (!ResponseError.is(error) || error.statusCode !== 409) {
    return undefined;
  }
  const body = error.body as unknown as { gates?: unknown };
  const cause = error.cause as unknown as { gates?: unknown };
  const gates = body.gates ?? cause.gates;
  return Array.isArray(gates) ? (gates as GateResult[]) : undefined;
}

function entityPath(entityRef: string): string {
  const { kind, namespace, name } = parseEntityRef(entityRef);
  return `/entities/${[namespace, kind, name]
    .map(part => encodeURIComponent(part))
    .join('/')}`;
}

function setParam(
  params: URLSearchParams,
  key: string,
  value: string | undefined,
) {
  if (value !== undefined && value !== '') {
    params.set(key, value);
  }
}

function withQuery(path: string, params: URLSearchParams): string {
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}
