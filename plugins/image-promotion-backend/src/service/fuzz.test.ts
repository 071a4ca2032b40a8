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

import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { gzipSync } from 'node:zlib';
import {
  documentedOperations,
  FuzzRequest,
  Random,
  RequestFuzzer,
} from '../__testUtils__/fuzz';
import { seedImage } from '../__testUtils__/seedLayout';
import {
  component,
  createLayouts,
  startApi,
  TestApi,
  TestLayouts,
  WEBHOOK_SECRET,
} from '../__testUtils__/testBackend';

jest.setTimeout(240_000);

const API = '/api/image-promotion';
const SEED = 0x1d10;
const INPUTS = 400;
const alice = mockCredentials.user.header('user:default/alice');
const bob = mockCredentials.user.header('user:default/bob');
const ci = mockCredentials.service.header();
const UUID = '0b7a6f4e-3c1d-4e8a-9f2b-5d6c7e8f9a0b';

function cursorOf(content: unknown): string {
  return Buffer.from(JSON.stringify(content)).toString('base64url');
}

type Answer = { status: number; message: unknown };

async function send(api: TestApi, request: FuzzRequest): Promise<Answer> {
  let req = api.http[request.method](`${API}${request.path}`);
  for (const [name, value] of Object.entries(request.headers)) {
    req = req.set(name, value);
  }
  if (request.body !== undefined) req = req.send(request.body);
  const res = await req;
  return { status: res.status, message: res.body?.error?.message };
}

/** Each class of input that once answered 500, with the 4xx it must get now. */
const classes: Array<{
  name: string;
  request: Omit<FuzzRequest, 'description'>;
  status: number;
  message: RegExp;
}> = [
  {
    name: 'NUL in a query value',
    request: {
      method: 'get',
      path: `/promotions?entityRef=${encodeURIComponent(
        'component:default/service-a\u0000',
      )}`,
      headers: { authorization: alice },
    },
    status: 400,
    message: /query entityRef: .*NUL/,
  },
  {
    name: 'NUL in an overview filter',
    request: {
      method: 'get',
      path: `/overview?q=a%00b&owner=team%00`,
      headers: { authorization: alice },
    },
    status: 400,
    message: /query (q|owner).*NUL/,
  },
  {
    name: 'NUL in a body string',
    request: {
      method: 'post',
      path: '/promotions',
      headers: { authorization: alice, 'content-type': 'application/json' },
      body: JSON.stringify({
        entityRef: 'component:default/service-a',
        targetEnvironment: 'qa',
        sourceTag: '1.0.0',
        reason: 'ship\u0000it',
      }),
    },
    status: 400,
    message: /body reason: .*NUL/,
  },
  {
    name: 'NUL in a body entity ref',
    request: {
      method: 'post',
      path: '/promotions/preview',
      headers: { authorization: alice, 'content-type': 'application/json' },
      body: JSON.stringify({
        entityRef: 'component:default/service-a\u0000',
        targetEnvironment: 'qa',
        sourceTag: '1.0.0',
      }),
    },
    status: 400,
    message: /body entityRef: .*NUL/,
  },
  {
    name: 'NUL in a path segment',
    request: {
      method: 'get',
      path: '/entities/default/component/service%00-a/status',
      headers: { authorization: alice },
    },
    status: 400,
    message: /path name/,
  },
  {
    name: 'NUL in a page cursor',
    request: {
      method: 'get',
      path: `/promotions?cursor=${cursorOf({ c: Date.now(), i: '\u0000' })}`,
      headers: { authorization: alice },
    },
    status: 400,
    message: /cursor/,
  },
  {
    name: 'cursor timestamp after year 9999',
    request: {
      method: 'get',
      path: `/promotions?cursor=${cursorOf({ c: 8.64e15, i: UUID })}`,
      headers: { authorization: alice },
    },
    status: 400,
    message: /cursor/,
  },
  {
    name: 'cursor timestamp before PostgreSQL time',
    request: {
      method: 'get',
      path: `/promotions?cursor=${cursorOf({ c: -8.64e15, i: UUID })}`,
      headers: { authorization: alice },
    },
    status: 400,
    message: /cursor/,
  },
  {
    name: 'malformed percent-escape in a path segment',
    request: {
      method: 'get',
      path: '/promotions/%E0%A4%A',
      headers: { authorization: alice },
    },
    status: 400,
    message: /path .*percent|escape/i,
  },
  {
    name: 'overlong UTF-8 escape in a path segment',
    request: {
      method: 'post',
      path: '/entities/default/component/%C0%80/refresh',
      headers: { authorization: alice },
    },
    status: 400,
    message: /percent|escape/i,
  },
  {
    name: 'gzip label on a plain body',
    request: {
      method: 'post',
      path: '/promotions',
      headers: {
        authorization: alice,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: '{"entityRef":"component:default/service-a"}',
    },
    status: 400,
    message: /Content-Encoding.*gzip/,
  },
  {
    name: 'deflate label on a plain body',
    request: {
      method: 'post',
      path: '/promotions/preview',
      headers: {
        authorization: alice,
        'content-type': 'application/json',
        'content-encoding': 'deflate',
      },
      body: '{"entityRef":"component:default/service-a"}',
    },
    status: 400,
    message: /Content-Encoding.*deflate/,
  },
  {
    name: 'webhook with a trailing slash reads no body without the secret',
    request: {
      method: 'post',
      path: '/webhook/registry/',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    },
    status: 401,
    message: /webhook secret/,
  },
  {
    name: 'webhook in capitals reads no body without the secret',
    request: {
      method: 'post',
      path: '/WEBHOOK/Registry',
      headers: { 'content-type': 'application/json' },
      body: `{"events": [${'1,'.repeat(100_000)}1]}`,
    },
    status: 401,
    message: /webhook secret/,
  },
];

describe('hostile input on every route', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

  describe.each(databases.eachSupportedId())('on %s', databaseId => {
    let layouts: TestLayouts;
    let api: TestApi;
    const knownIds: string[] = [];

    beforeAll(async () => {
      layouts = await createLayouts();
      await seedImage(layouts.dev, 'team/service-a', '1.0.0');
      api = await startApi({
        databaseId,
        databases,
        layouts,
        entities: [component('service-a')],
      });
      await api.http
        .post(`${API}/entities/default/component/service-a/refresh`)
        .set('Authorization', alice);
      // A promotion waiting for approval, so decisions on a real id are fuzzed too.
      const pending = await api.http
        .post(`${API}/promotions`)
        .set('Authorization', alice)
        .send({
          entityRef: 'component:default/service-a',
          targetEnvironment: 'prod',
          sourceEnvironment: 'dev',
          sourceTag: '1.0.0',
        });
      if (pending.body.id) knownIds.push(pending.body.id);
    });

    afterAll(async () => {
      await api?.stop();
      await layouts?.cleanup();
    });

    it.each(classes)('$name → $status', async c => {
      const answer = await send(api, { ...c.request, description: c.name });
      expect(answer).toEqual({
        status: c.status,
        message: expect.stringMatching(c.message),
      });
    });

    it('accepts a body that really is gzip-compressed', async () => {
      const res = await api.http
        .post(`${API}/promotions/preview`)
        .set('Authorization', alice)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'gzip')
        // superagent would send a Buffer as JSON; send its bytes.
        .serialize(bytes => bytes)
        .send(
          gzipSync(
            JSON.stringify({
              entityRef: 'component:default/service-a',
              targetEnvironment: 'qa',
              sourceTag: '1.0.0',
            }),
          ),
        );
      expect(res.body.error?.message).toBeUndefined();
      expect(res.status).toBe(200);
    });

    it(`answers ${INPUTS} generated requests over every documented route without a 5xx`, async () => {
      const operations = documentedOperations();
      expect(operations.length).toBeGreaterThanOrEqual(14);
      const fuzzer = new RequestFuzzer(new Random(SEED), {
        operations,
        authorizations: [alice, alice, bob, ci],
        webhookSecret: WEBHOOK_SECRET,
        knownIds,
      });
      const serverErrors: string[] = [];
      const silent4xx: string[] = [];
      const statuses = new Map<number, number>();
      for (let i = 0; i < INPUTS; i++) {
        const request = fuzzer.next();
        const answer = await send(api, request);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status >= 500) {
          serverErrors.push(
            `#${i} ${request.description} → ${answer.status} ${answer.message}`,
          );
        } else if (
          answer.status >= 400 &&
          (typeof answer.message !== 'string' || answer.message.length < 10)
        ) {
          silent4xx.push(`#${i} ${request.description} → ${answer.status}`);
        }
      }
      expect(serverErrors).toEqual([]);
      expect(silent4xx).toEqual([]);
      // The inputs must reach past the first check, or the test proves little.
      expect(statuses.get(200) ?? 0).toBeGreaterThan(10);
      expect(statuses.get(400) ?? 0).toBeGreaterThan(50);
    });
  });
});
