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
import { seedImage } from '../__testUtils__/seedLayout';
import {
  component,
  createLayouts,
  startApi,
  TestApi,
  TestLayouts,
} from '../__testUtils__/testBackend';

jest.setTimeout(60_000);

const API = '/api/image-promotion';
const alice = mockCredentials.user.header('user:default/alice');
const DIGEST = `sha256:${'b'.repeat(64)}`;
const UUID = '0b7a6f4e-3c1d-4e8a-9f2b-5d6c7e8f9a0b';
const entityRef = 'component:default/service-a';

type Case = {
  name: string;
  method: 'get' | 'post';
  path: string;
  body?: unknown;
  raw?: string;
  status: number;
  message: RegExp;
};

const cases: Case[] = [
  // malformed and oversized bodies
  {
    name: 'bad JSON',
    method: 'post',
    path: '/promotions',
    raw: '{"entityRef": ',
    status: 400,
    message: /Malformed JSON/,
  },
  {
    name: 'bad JSON to preview',
    method: 'post',
    path: '/promotions/preview',
    raw: '{nope}',
    status: 400,
    message: /Malformed JSON/,
  },
  {
    name: 'bad JSON to approve',
    method: 'post',
    path: `/promotions/${UUID}/approve`,
    raw: '[1,',
    status: 400,
    message: /Malformed JSON/,
  },
  {
    name: 'JSON null body',
    method: 'post',
    path: '/promotions',
    raw: 'null',
    status: 400,
    message: /./,
  },
  {
    name: 'array body',
    method: 'post',
    path: '/promotions',
    body: [1, 2],
    status: 400,
    message: /expected object, got array/,
  },
  {
    name: 'huge body',
    method: 'post',
    path: '/promotions',
    body: { entityRef, targetEnvironment: 'qa', reason: 'x'.repeat(200_000) },
    status: 413,
    message: /too large/,
  },
  // missing and mistyped fields
  {
    name: 'empty body',
    method: 'post',
    path: '/promotions',
    body: {},
    status: 400,
    message: /body entityRef: is required.*body targetEnvironment: is required/,
  },
  {
    name: 'no digest or sourceTag',
    method: 'post',
    path: '/promotions',
    body: { entityRef, targetEnvironment: 'qa' },
    status: 400,
    message: /give digest or sourceTag/,
  },
  {
    name: 'wrong types',
    method: 'post',
    path: '/promotions',
    body: { entityRef: 42, targetEnvironment: ['qa'], digest: true },
    status: 400,
    message:
      /entityRef: .*entity ref string.*targetEnvironment: .*environment id/,
  },
  {
    name: 'bad digest',
    method: 'post',
    path: '/promotions',
    body: { entityRef, targetEnvironment: 'qa', digest: 'sha256:xyz' },
    status: 400,
    message: /body digest: expected a sha256 digest/,
  },
  {
    name: 'bad tag',
    method: 'post',
    path: '/promotions/preview',
    body: { entityRef, targetEnvironment: 'qa', sourceTag: '-bad tag' },
    status: 400,
    message: /body sourceTag: expected a tag/,
  },
  {
    name: 'bad entity ref',
    method: 'post',
    path: '/promotions',
    body: {
      entityRef: 'component:default/',
      targetEnvironment: 'qa',
      digest: DIGEST,
    },
    status: 400,
    message: /not an entity ref/,
  },
  {
    name: 'bad environment id',
    method: 'post',
    path: '/promotions',
    body: { entityRef, targetEnvironment: 'QA!', digest: DIGEST },
    status: 400,
    message: /environment id/,
  },
  {
    name: 'unknown field',
    method: 'post',
    path: '/promotions',
    body: { entityRef, targetEnv: 'qa', digest: DIGEST },
    status: 400,
    message: /unknown field "targetEnv"/,
  },
  {
    name: 'reason too long',
    method: 'post',
    path: '/promotions',
    body: {
      entityRef,
      targetEnvironment: 'qa',
      digest: DIGEST,
      reason: 'x'.repeat(1001),
    },
    status: 400,
    message: /at most 1000/,
  },
  {
    name: 'comment of wrong type',
    method: 'post',
    path: `/promotions/${UUID}/approve`,
    body: { comment: 5 },
    status: 400,
    message: /body comment: expected a string, got number/,
  },
  {
    name: 'body on cancel',
    method: 'post',
    path: `/promotions/${UUID}/cancel`,
    body: { force: true },
    status: 400,
    message: /unknown field "force"/,
  },
  // unknown things
  {
    name: 'unknown environment',
    method: 'post',
    path: '/promotions',
    body: { entityRef, targetEnvironment: 'staging', digest: DIGEST },
    status: 404,
    message: /environment "staging" is not part of pipeline "default"/,
  },
  {
    name: 'unknown source environment',
    method: 'post',
    path: '/promotions/preview',
    body: {
      entityRef,
      targetEnvironment: 'qa',
      sourceEnvironment: 'nope',
      digest: DIGEST,
    },
    status: 404,
    message: /source environment "nope"/,
  },
  {
    name: 'first environment as target',
    method: 'post',
    path: '/promotions',
    body: { entityRef, targetEnvironment: 'dev', digest: DIGEST },
    status: 400,
    message: /first environment/,
  },
  {
    name: 'unknown source tag',
    method: 'post',
    path: '/promotions/preview',
    body: { entityRef, targetEnvironment: 'qa', sourceTag: '9.9.9' },
    status: 404,
    message: /tag "9.9.9" was not found in dev/,
  },
  {
    name: 'untracked entity',
    method: 'post',
    path: '/promotions',
    body: {
      entityRef: 'component:default/ghost',
      targetEnvironment: 'qa',
      digest: DIGEST,
    },
    status: 404,
    message: /not tracked/,
  },
  {
    name: 'untracked status',
    method: 'get',
    path: '/entities/default/component/ghost/status',
    status: 404,
    message: /not tracked/,
  },
  {
    name: 'bad entity path',
    method: 'get',
    path: '/entities/default/component/%20bad%20/status',
    status: 400,
    message: /path name: expected a catalog entity name/,
  },
  {
    name: 'unknown promotion',
    method: 'get',
    path: `/promotions/${UUID}`,
    status: 404,
    message: /does not exist/,
  },
  {
    name: 'promotion id not a UUID',
    method: 'get',
    path: '/promotions/not-a-uuid',
    status: 400,
    message: /path id: expected a UUID/,
  },
  {
    name: 'approve unknown promotion',
    method: 'post',
    path: `/promotions/${UUID}/approve`,
    body: {},
    status: 404,
    message: /does not exist/,
  },
  {
    name: 'reject bad id',
    method: 'post',
    path: '/promotions/1/reject',
    body: {},
    status: 400,
    message: /expected a UUID/,
  },
  {
    name: 'cancel unknown promotion',
    method: 'post',
    path: `/promotions/${UUID}/cancel`,
    status: 404,
    message: /does not exist/,
  },
  {
    name: 'acknowledge unknown drift',
    method: 'post',
    path: `/drift/${UUID}/acknowledge`,
    status: 404,
    message: /drift event/,
  },
  {
    name: 'acknowledge bad drift id',
    method: 'post',
    path: '/drift/%27%20or%201=1/acknowledge',
    status: 400,
    message: /expected a UUID/,
  },
  // queries
  {
    name: 'limit not a number',
    method: 'get',
    path: '/promotions?limit=abc',
    status: 400,
    message: /query limit: expected a whole number between 1 and 200/,
  },
  {
    name: 'limit too large',
    method: 'get',
    path: '/promotions?limit=100000',
    status: 400,
    message: /expected at most 200/,
  },
  {
    name: 'limit zero',
    method: 'get',
    path: '/promotions?limit=0',
    status: 400,
    message: /expected at least 1/,
  },
  {
    name: 'limit as object',
    method: 'get',
    path: '/promotions?limit[a]=1',
    status: 400,
    message: /query limit/,
  },
  {
    name: 'unknown status',
    method: 'get',
    path: '/promotions?status=queued,bogus',
    status: 400,
    message: /expected one of pending_approval/,
  },
  {
    name: 'garbage cursor',
    method: 'get',
    path: '/promotions?cursor=garbage',
    status: 400,
    message: /Invalid cursor/,
  },
  {
    name: 'unknown query parameter',
    method: 'get',
    path: '/promotions?envirnoment=qa',
    status: 400,
    message: /unknown field "envirnoment"/,
  },
  {
    name: 'bad overview status',
    method: 'get',
    path: '/overview?status=green',
    status: 400,
    message: /expected one of drift/,
  },
  {
    name: 'overview q too long',
    method: 'get',
    path: `/overview?q=${'q'.repeat(300)}`,
    status: 400,
    message: /at most 200/,
  },
  {
    name: 'negative metrics days',
    method: 'get',
    path: '/metrics?days=-1',
    status: 400,
    message: /query days/,
  },
  {
    name: 'metrics days too large',
    method: 'get',
    path: '/metrics?days=5000',
    status: 400,
    message: /at most 366/,
  },
  // webhook
  {
    name: 'webhook garbage with the secret',
    method: 'post',
    path: '/webhook/registry',
    body: { events: 'all' },
    status: 400,
    message:
      /body events: expected an array of notification events, got string/,
  },
];

describe('garbage input', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let layouts: TestLayouts;
  let api: TestApi;

  beforeAll(async () => {
    layouts = await createLayouts();
    await seedImage(layouts.dev, 'team/service-a', '1.0.0');
    api = await startApi({
      databaseId: 'SQLITE_3',
      databases,
      layouts,
      entities: [component('service-a')],
    });
    await api.http
      .post(`${API}/entities/default/component/service-a/refresh`)
      .set('Authorization', alice);
  });

  afterAll(async () => {
    await api?.stop();
    await layouts?.cleanup();
  });

  it.each(cases)('$name → $status', async c => {
    let req = api.http[c.method](`${API}${c.path}`).set('Authorization', alice);
    if (c.path === '/webhook/registry') {
      req = req.set(
        'X-Image-Promotion-Secret',
        'webhook-secret-0123456789abcdef',
      );
    }
    if (c.raw !== undefined) {
      req = req.set('Content-Type', 'application/json').send(c.raw);
    } else if (c.body !== undefined) {
      req = req.send(c.body as object);
    }
    const res = await req;
    expect(res.status).toBe(c.status);
    expect(res.body.error.message).toMatch(c.message);
    expect(res.body.response?.statusCode).toBe(c.status);
  });
});
