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
import {
  component,
  createLayouts,
  REGISTRY_PASSWORD,
  startApi,
  TestApi,
  TestLayouts,
  waitForStatus,
  WEBHOOK_SECRET,
} from '../__testUtils__/testBackend';
import { resolveTag, seedImage } from '../__testUtils__/seedLayout';

jest.setTimeout(120_000);

const API = '/api/image-promotion';
const alice = mockCredentials.user.header('user:default/alice');
const bob = mockCredentials.user.header('user:default/bob');
const ci = mockCredentials.service.header();

describe('image promotion REST API', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

  describe.each(databases.eachSupportedId())('on %s', databaseId => {
    let layouts: TestLayouts;
    let api: TestApi;
    const bodies: string[] = [];
    const digests: Record<string, string> = {};

    // Every response body is kept, to prove no secret is ever sent.
    const http = () => {
      const record = <T extends { text: string }>(res: T): T => {
        bodies.push(res.text);
        return res;
      };
      return {
        get: (path: string, header = alice) =>
          api.http
            .get(`${API}${path}`)
            .set('Authorization', header)
            .then(record),
        post: (path: string, body: object | undefined, header = alice) => {
          const req = api.http
            .post(`${API}${path}`)
            .set('Authorization', header);
          return (body === undefined ? req : req.send(body)).then(record);
        },
      };
    };

    beforeAll(async () => {
      layouts = await createLayouts();
      digests.a1 = await seedImage(layouts.dev, 'team/service-a', '1.0.0');
      digests.a2 = await seedImage(layouts.dev, 'team/service-a', '1.1.0');
      digests.b1 = await seedImage(layouts.dev, 'team/service-b', '2.0.0');
      api = await startApi({
        databaseId,
        databases,
        layouts,
        entities: [
          component('service-a', { owner: 'team-a', system: 'shop' }),
          component('service-b', { owner: 'group:default/team-b' }),
          component('plain', { image: null }),
        ],
      });
    });

    afterAll(async () => {
      await api?.stop();
      await layouts?.cleanup();
    });

    it('answers /health', async () => {
      const res = await api.http
        .get(`${API}/health`)
        .set('Authorization', mockCredentials.none.header());
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('refuses anonymous callers', async () => {
      const res = await api.http
        .get(`${API}/overview`)
        .set('Authorization', mockCredentials.none.header());
      expect(res.status).toBe(401);
    });

    it('answers 404 for a component that is not tracked yet, then tracks it on refresh', async () => {
      const before = await http().get(
        '/entities/default/component/service-a/status',
      );
      expect(before.status).toBe(404);
      expect(before.body.error.message).toMatch(/not tracked/);

      const res = await http().post(
        '/entities/default/component/service-a/refresh',
        undefined,
      );
      expect(res.status).toBe(200);
      expect(res.body.entityRef).toBe('component:default/service-a');
      expect(res.body.environments.map((e: { id: string }) => e.id)).toEqual([
        'dev',
        'qa',
        'prod',
      ]);
      const [dev, qa, prod] = res.body.environments;
      expect(
        dev.versions.map((v: { digest: string }) => v.digest).sort(),
      ).toEqual([digests.a1, digests.a2].sort());
      expect(dev.current.digest).toBeDefined();
      expect(dev.registry).toMatchObject({
        name: 'dev',
        type: 'oci-layout',
        repository: 'team/service-a',
      });
      expect(qa).toMatchObject({
        title: 'QA',
        currentTag: 'qa',
        current: null,
        versions: [],
        openPromotion: null,
        drift: [],
      });
      expect(prod.policy).toMatchObject({
        approvals: 1,
        soakTimeMs: 0,
        immutableTags: false,
        activeFreeze: null,
      });

      await http().post('/entities/default/component/service-b/refresh', {});
      const again = await http().get(
        '/entities/default/component/service-a/status',
      );
      expect(again.status).toBe(200);
    });

    it('refuses to refresh an entity without the annotation or not in the catalog', async () => {
      const plain = await http().post(
        '/entities/default/component/plain/refresh',
        {},
      );
      expect(plain.status).toBe(404);
      expect(plain.body.error.message).toMatch(/image-promotion.io\/image/);
      const missing = await http().post(
        '/entities/default/component/nope/refresh',
        {},
      );
      expect(missing.status).toBe(404);
    });

    it('previews a promotion with every gate, without side effects', async () => {
      const res = await http().post('/promotions/preview', {
        entityRef: 'component:default/service-a',
        targetEnvironment: 'qa',
        digest: digests.a2,
        targetTag: '1.1.0',
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        digest: digests.a2,
        sourceEnvironment: 'dev',
        targetEnvironment: 'qa',
        targetTag: '1.1.0',
        isRollback: false,
        allowed: true,
        needsApproval: false,
      });
      expect(res.body.gates.map((g: { gate: string }) => g.gate)).toEqual([
        'order',
        'approvals',
        'soak',
        'freeze',
        'immutable-tag',
        'signatures',
        'permission',
      ]);
      for (const gate of res.body.gates) {
        expect(gate.passed).toBe(true);
        expect(gate.message.length).toBeGreaterThan(5);
      }
      const list = await http().get(
        '/promotions?entityRef=component:default/service-a',
      );
      expect(list.body.totalCount).toBe(0);

      const prod = await http().post('/promotions/preview', {
        entityRef: 'component:default/service-a',
        targetEnvironment: 'prod',
        sourceTag: '1.1.0',
        sourceEnvironment: 'dev',
      });
      expect(prod.status).toBe(200);
      expect(prod.body.allowed).toBe(false);
      expect(
        prod.body.gates
          .filter((g: { passed: boolean }) => !g.passed)
          .map((g: { gate: string }) => g.gate),
      ).toEqual(expect.arrayContaining(['order', 'approvals']));
    });

    it('promotes dev → qa: 202, then succeeded, with the digest in the qa layout', async () => {
      const res = await http().post('/promotions', {
        entityRef: 'component:default/service-a',
        targetEnvironment: 'qa',
        sourceTag: '1.1.0',
        reason: 'release 1.1.0',
      });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({
        status: 'queued',
        digest: digests.a2,
        sourceEnvironment: 'dev',
        targetEnvironment: 'qa',
        targetTag: '1.1.0',
        requestedBy: 'user:default/alice',
        reason: 'release 1.1.0',
      });
      const done = await waitForStatus(api.http, res.body.id, alice, [
        'succeeded',
        'failed',
      ]);
      expect(done).toMatchObject({ status: 'succeeded', failureReason: null });
      expect(await resolveTag(layouts.qa, 'team/service-a', '1.1.0')).toBe(
        digests.a2,
      );
      expect(await resolveTag(layouts.qa, 'team/service-a', 'qa')).toBe(
        digests.a2,
      );

      const details = await http().get(`/promotions/${res.body.id}`);
      expect(
        details.body.events.map((e: { toStatus: string }) => e.toStatus),
      ).toEqual(['queued', 'copying', 'verifying', 'succeeded']);
      expect(details.body).not.toHaveProperty('leaseOwner');

      const status = await http().post(
        '/entities/default/component/service-a/refresh',
        {},
      );
      const qa = status.body.environments[1];
      expect(qa.current).toMatchObject({
        digest: digests.a2,
        by: 'user:default/alice',
      });
      expect(qa.drift).toEqual([]);
    });

    it('holds prod for an approval that the requester cannot give but another user can', async () => {
      const res = await http().post('/promotions', {
        entityRef: 'component:default/service-a',
        targetEnvironment: 'prod',
        digest: digests.a2,
      });
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('pending_approval');
      expect(res.body.targetTag).toBe('1.1.0');

      const own = await http().post(`/promotions/${res.body.id}/approve`, {});
      expect(own.status).toBe(403);
      expect(own.body.error.message).toMatch(/four-eyes/);

      const status = await http().get(
        '/entities/default/component/service-a/status',
      );
      expect(status.body.environments[2].openPromotion.id).toBe(res.body.id);

      const approved = await http().post(
        `/promotions/${res.body.id}/approve`,
        { comment: 'looks good' },
        bob,
      );
      expect(approved.status).toBe(200);
      const done = await waitForStatus(api.http, res.body.id, alice, [
        'succeeded',
        'failed',
      ]);
      expect(done.status).toBe('succeeded');
      expect(await resolveTag(layouts.prod, 'team/service-a', '1.1.0')).toBe(
        digests.a2,
      );

      const details = await http().get(`/promotions/${res.body.id}`);
      expect(details.body.approvals).toEqual([
        expect.objectContaining({
          approver: 'user:default/bob',
          decision: 'approved',
          comment: 'looks good',
          digest: digests.a2,
        }),
      ]);
    });

    it('refuses by policy with 409 and the failed gates', async () => {
      const res = await http().post('/promotions', {
        entityRef: 'component:default/service-b',
        targetEnvironment: 'prod',
        sourceEnvironment: 'dev',
        digest: digests.b1,
        targetTag: '2.0.0',
      });
      expect(res.status).toBe(409);
      expect(res.body.error.name).toBe('PolicyRefusedError');
      expect(
        res.body.gates.find((g: { gate: string }) => g.gate === 'order'),
      ).toMatchObject({
        passed: false,
      });
    });

    it('accepts exactly one of 20 concurrent requests for the same target', async () => {
      const first = await http().post(
        '/promotions',
        {
          entityRef: 'component:default/service-b',
          targetEnvironment: 'qa',
          sourceTag: '2.0.0',
        },
        ci,
      );
      expect(first.status).toBe(202);
      expect(first.body.requestedBy).toBe('external:test-service');
      await waitForStatus(api.http, first.body.id, alice, ['succeeded']);

      // prod waits for an approval, so the winner stays open while the others arrive.
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          http().post('/promotions', {
            entityRef: 'component:default/service-b',
            targetEnvironment: 'prod',
            digest: digests.b1,
          }),
        ),
      );
      const statuses = results.map(r => r.status).sort();
      expect(statuses.filter(s => s === 202)).toHaveLength(1);
      expect(statuses.filter(s => s === 409)).toHaveLength(19);
      const winner = results.find(r => r.status === 202)!;
      for (const loser of results.filter(r => r.status === 409)) {
        expect(loser.body.error.name).toBe('OpenPromotionExistsError');
        expect(loser.body.openPromotionId).toBe(winner.body.id);
      }

      const cancelled = await http().post(
        `/promotions/${winner.body.id}/cancel`,
        undefined,
      );
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.status).toBe('cancelled');
      const again = await http().post(
        `/promotions/${winner.body.id}/cancel`,
        {},
      );
      expect(again.status).toBe(409);
    });

    it('rejects a pending promotion', async () => {
      const res = await http().post('/promotions', {
        entityRef: 'component:default/service-b',
        targetEnvironment: 'prod',
        digest: digests.b1,
      });
      expect(res.status).toBe(202);
      const rejected = await http().post(
        `/promotions/${res.body.id}/reject`,
        { comment: 'not this week' },
        bob,
      );
      expect(rejected.status).toBe(200);
      expect(rejected.body.status).toBe('rejected');
    });

    it('lists promotions with filters and a cursor', async () => {
      const all = await http().get('/promotions?limit=2');
      expect(all.status).toBe(200);
      expect(all.body.items).toHaveLength(2);
      expect(all.body.totalCount).toBeGreaterThanOrEqual(5);
      expect(all.body.nextCursor).toEqual(expect.any(String));
      const next = await http().get(
        `/promotions?limit=2&cursor=${encodeURIComponent(all.body.nextCursor)}`,
      );
      expect(next.status).toBe(200);
      expect(next.body.items[0].id).not.toBe(all.body.items[0].id);

      const filtered = await http().get(
        '/promotions?entityRef=component:default/service-a&environment=prod&status=succeeded,failed',
      );
      expect(filtered.body.items).toHaveLength(1);
      expect(filtered.body.items[0].targetEnvironment).toBe('prod');
    });

    it('shows drift until acknowledged', async () => {
      await seedImage(layouts.qa, 'team/service-a', '1.1.0');
      const status = await http().post(
        '/entities/default/component/service-a/refresh',
        {},
      );
      const drift = status.body.environments[1].drift;
      expect(drift).toHaveLength(1);
      expect(drift[0]).toMatchObject({
        tag: '1.1.0',
        previousDigest: digests.a2,
      });

      const overview = await http().get('/overview?status=drift');
      expect(
        overview.body.items.map((i: { entityRef: string }) => i.entityRef),
      ).toEqual(['component:default/service-a']);

      const ack = await http().post(`/drift/${drift[0].id}/acknowledge`, {});
      expect(ack.status).toBe(200);
      expect(ack.body.acknowledgedBy).toBe('user:default/alice');
      const twice = await http().post(`/drift/${drift[0].id}/acknowledge`, {});
      expect(twice.status).toBe(409);
      const after = await http().get(
        '/entities/default/component/service-a/status',
      );
      expect(after.body.environments[1].drift).toEqual([]);
    });

    it('gives an overview of every component × environment, filtered server-side', async () => {
      const res = await http().get('/overview');
      expect(res.status).toBe(200);
      expect(res.body.totalCount).toBe(2);
      const a = res.body.items.find(
        (i: { entityRef: string }) =>
          i.entityRef === 'component:default/service-a',
      );
      expect(a.environments.map((e: { id: string }) => e.id)).toEqual([
        'dev',
        'qa',
        'prod',
      ]);
      expect(a.environments[0].behind).toBeNull();
      expect(a.environments[2].current.digest).toBe(digests.a2);
      // The version a manager reads, not the environment's marker tag.
      expect(a.environments[2].versionTags).toEqual(['1.1.0']);

      const byOwner = await http().get('/overview?owner=team-b');
      expect(
        byOwner.body.items.map((i: { entityRef: string }) => i.entityRef),
      ).toEqual(['component:default/service-b']);
      const bySystem = await http().get('/overview?system=shop');
      expect(bySystem.body.totalCount).toBe(1);
      const byText = await http().get('/overview?q=SERVICE-B');
      expect(byText.body.totalCount).toBe(1);
    });

    it('reports delivery metrics', async () => {
      const res = await http().get('/metrics?days=30');
      expect(res.status).toBe(200);
      expect(res.body.days).toBe(30);
      const qa = res.body.deploymentFrequency.find(
        (f: { environment: string }) => f.environment === 'qa',
      );
      expect(qa.total).toBe(2);
      expect(qa.weeks[0].week).toMatch(/^\d{4}-W\d{2}$/);
      expect(res.body.leadTime.count).toBe(1);
      expect(res.body.leadTime.medianHours).toBeGreaterThanOrEqual(0);
      expect(res.body.rollbackRate).toEqual(
        expect.arrayContaining([
          {
            environment: 'prod',
            title: 'Production',
            promotions: 1,
            rollbacks: 0,
            rate: 0,
          },
        ]),
      );
      expect(res.body.approvalWait.count).toBe(1);

      // Per owner: each team's share (owner given either way), none for an unknown owner.
      const qaTotal = (body: {
        deploymentFrequency: Array<{ environment: string; total: number }>;
      }) =>
        body.deploymentFrequency.find(f => f.environment === 'qa')?.total ?? 0;
      const teamA = await http().get(
        '/metrics?days=30&owner=group:default/team-a',
      );
      const teamB = await http().get('/metrics?days=30&owner=team-b');
      expect(teamB.status).toBe(200);
      expect(qaTotal(teamA.body)).toBeLessThan(2);
      expect(qaTotal(teamB.body)).toBeLessThan(2);
      expect(qaTotal(teamA.body) + qaTotal(teamB.body)).toBe(2);
      const nobody = await http().get('/metrics?days=30&owner=team-z');
      expect(qaTotal(nobody.body)).toBe(0);
      expect(nobody.body.leadTime.count).toBe(0);
      expect(nobody.body.approvalWait.count).toBe(0);
    });

    it('refreshes the components of a pushed repository from a registry notification', async () => {
      const envelope = {
        events: [
          {
            action: 'push',
            target: {
              repository: 'team/service-b',
              tag: '2.1.0',
              digest: `sha256:${'a'.repeat(64)}`,
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
            },
            request: { host: 'registry.example.com' },
          },
          { action: 'pull', target: { repository: 'team/service-a' } },
        ],
      };
      const b2 = await seedImage(layouts.dev, 'team/service-b', '2.1.0');

      const none = await api.http
        .post(`${API}/webhook/registry`)
        .set('Authorization', mockCredentials.none.header())
        .send(envelope);
      expect(none.status).toBe(401);
      const wrong = await api.http
        .post(`${API}/webhook/registry`)
        .set('Authorization', 'Token not-the-secret')
        .send(envelope);
      expect(wrong.status).toBe(401);
      const wrongHeader = await api.http
        .post(`${API}/webhook/registry`)
        .set('X-Image-Promotion-Secret', `${WEBHOOK_SECRET}x`)
        .send(envelope);
      expect(wrongHeader.status).toBe(401);
      bodies.push(none.text, wrong.text, wrongHeader.text);

      const res = await api.http
        .post(`${API}/webhook/registry`)
        .set('Authorization', `Token ${WEBHOOK_SECRET}`)
        .set(
          'Content-Type',
          'application/vnd.docker.distribution.events.v1+json',
        )
        .send(JSON.stringify(envelope));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ refreshed: ['component:default/service-b'] });

      const viaHeader = await api.http
        .post(`${API}/webhook/registry`)
        .set('X-Image-Promotion-Secret', WEBHOOK_SECRET)
        .send({ events: [] });
      expect(viaHeader.status).toBe(200);
      expect(viaHeader.body).toEqual({ refreshed: [] });

      const status = await http().get(
        '/entities/default/component/service-b/status',
      );
      expect(
        status.body.environments[0].versions.map(
          (v: { digest: string }) => v.digest,
        ),
      ).toContain(b2);
    });

    it('never sends a secret', () => {
      expect(bodies.length).toBeGreaterThan(20);
      for (const body of bodies) {
        expect(body).not.toContain(REGISTRY_PASSWORD);
        expect(body).not.toContain(WEBHOOK_SECRET);
      }
    });
  });
});
