/**
 * @jest-environment node
 */

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

import { ResponseError } from '@backstage/errors';
import { ImagePromotionClient, refusedGates } from './ImagePromotionClient';

const BASE = 'http://localhost:7007/api/image-promotion';

function client(responses: Response[]) {
  const fetch = jest.fn(async (_url: string, _init?: RequestInit) => {
    const next = responses.shift();
    if (!next) {
      throw new Error('no more responses');
    }
    return next;
  });
  return {
    fetch,
    api: new ImagePromotionClient({
      discoveryApi: { getBaseUrl: async () => BASE },
      fetchApi: { fetch: fetch as unknown as typeof globalThis.fetch },
    }),
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

describe('ImagePromotionClient', () => {
  it('reads the status of an entity under its namespace, kind and name', async () => {
    const { api, fetch } = client([json(200, { environments: [] })]);

    await expect(api.getStatus('component:default/checkout')).resolves.toEqual({
      environments: [],
    });
    expect(fetch).toHaveBeenCalledWith(
      `${BASE}/entities/default/component/checkout/status`,
      expect.objectContaining({ method: 'GET' }),
    );
  });

  it('posts JSON bodies', async () => {
    const { api, fetch } = client([json(202, { id: 'p-1', status: 'queued' })]);

    await api.createPromotion({
      entityRef: 'component:default/checkout',
      targetEnvironment: 'qa',
      digest: `sha256:${'a'.repeat(64)}`,
    });

    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe(`${BASE}/promotions`);
    expect(init?.method).toBe('POST');
    expect(init?.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(JSON.parse(String(init?.body))).toEqual({
      entityRef: 'component:default/checkout',
      targetEnvironment: 'qa',
      digest: `sha256:${'a'.repeat(64)}`,
    });
  });

  it('encodes list and overview queries, leaving out empty ones', async () => {
    const { api, fetch } = client([
      json(200, { items: [], totalCount: 0, nextCursor: null }),
      json(200, { items: [], totalCount: 0 }),
      json(200, {}),
    ]);

    await api.listPromotions({
      entityRef: 'component:default/checkout',
      status: ['queued', 'copying'],
      limit: 20,
    });
    await api.getOverview({
      owner: ['group:default/team-a'],
      status: ['behind', 'drift'],
      q: '',
    });
    await api.getMetrics({ days: 30 });

    expect(fetch.mock.calls.map(c => c[0])).toEqual([
      `${BASE}/promotions?entityRef=component%3Adefault%2Fcheckout&status=queued%2Ccopying&limit=20`,
      `${BASE}/overview?owner=group%3Adefault%2Fteam-a&status=behind%2Cdrift`,
      `${BASE}/metrics?days=30`,
    ]);
  });

  it('accepts empty answers', async () => {
    const { api } = client([new Response(null, { status: 204 })]);

    await expect(api.acknowledgeDrift('d-1')).resolves.toBeUndefined();
  });

  it('rejects with a ResponseError carrying the backend message', async () => {
    const { api } = client([
      json(404, {
        error: {
          name: 'NotFoundError',
          message: 'component:default/x is not tracked',
        },
        request: { method: 'GET', url: '/entities/default/component/x/status' },
        response: { statusCode: 404 },
      }),
    ]);

    const error = await api.getStatus('component:default/x').catch(e => e);
    expect(ResponseError.is(error)).toBe(true);
    expect(error.statusCode).toBe(404);
    expect(error.cause.message).toBe('component:default/x is not tracked');
  });

  it('exposes the failed gates of a policy refusal', async () => {
    const gates = [{ gate: 'freeze', passed: false, message: 'Frozen.' }];
    const { api } = client([
      json(409, {
        error: {
          name: 'ConflictError',
          message: 'Promotion refused by policy: Frozen.',
        },
        request: { method: 'POST', url: '/promotions' },
        response: { statusCode: 409 },
        gates,
      }),
    ]);

    const error = await api
      .createPromotion({
        entityRef: 'component:default/x',
        targetEnvironment: 'prod',
      })
      .catch(e => e);
    expect(refusedGates(error)).toEqual(gates);
    expect(refusedGates(new Error('x'))).toBeUndefined();
  });
});
