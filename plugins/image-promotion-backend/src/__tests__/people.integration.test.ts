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
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import type {
  NotificationSendOptions,
  NotificationService,
} from '@backstage/plugin-notifications-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import {
  signalsServiceRef,
  type SignalPayload,
} from '@backstage/plugin-signals-node';
import {
  component,
  createLayouts,
  startApi,
  TestApi,
  TestLayouts,
  waitForStatus,
} from '../__testUtils__/testBackend';
import { resolveTag, seedImage } from '../__testUtils__/seedLayout';
import { waitFor } from '../__testUtils__/integrationRig';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

jest.setTimeout(120_000);

const API = '/api/image-promotion';
const ALICE = 'user:default/alice';
const RITA = 'user:default/rita';
const OSCAR = 'user:default/oscar';
const RON = 'user:default/ron';
const RELEASE_MANAGERS = 'group:default/release-managers';
const alice = mockCredentials.user.header(ALICE);
const rita = mockCredentials.user.header(RITA);
const oscar = mockCredentials.user.header(OSCAR);
const ron = mockCredentials.user.header(RON);
const SOAK_MS = 4000;

// Group membership as the catalog would resolve it for each signed-in user.
const MEMBERSHIP: Record<string, string[]> = {
  [ALICE]: ['group:default/team-a'],
  [RITA]: [RELEASE_MANAGERS],
  [OSCAR]: ['group:default/team-a'],
  [RON]: [RELEASE_MANAGERS],
};

function peopleConfig(layouts: TestLayouts) {
  return {
    registries: {
      dev: { type: 'oci-layout', directory: layouts.dev },
      qa: { type: 'oci-layout', directory: layouts.qa },
      prod: { type: 'oci-layout', directory: layouts.prod },
    },
    pipelines: {
      default: {
        default: true,
        environments: [
          { id: 'dev', registry: 'dev', repository: 'team/{{ image }}' },
          {
            id: 'qa',
            title: 'QA',
            registry: 'qa',
            repository: 'team/{{ image }}',
          },
          {
            id: 'prod',
            title: 'Production',
            registry: 'prod',
            repository: 'team/{{ image }}',
            policy: {
              approvals: 1,
              approverGroups: [RELEASE_MANAGERS],
              soakTime: { milliseconds: SOAK_MS },
            },
          },
          {
            // Four eyes are not enough here: two release managers approve.
            id: 'dr',
            title: 'Disaster recovery',
            registry: 'prod',
            repository: 'dr/{{ image }}',
            policy: { approvals: 2, approverGroups: [RELEASE_MANAGERS] },
          },
        ],
      },
    },
    tracking: { initialDelay: '1h', frequency: '1h' },
  };
}

describe('the people around a promotion', () => {
  const databases = TestDatabases.create({ ids: ['POSTGRES_15', 'SQLITE_3'] });

  describe.each(databases.eachSupportedId())('on %s', databaseId => {
    let layouts: TestLayouts;
    let api: TestApi;
    let digest: string;
    const sent: NotificationSendOptions[] = [];
    const signals: SignalPayload[] = [];

    const get = (path: string, header = alice) =>
      api.http.get(`${API}${path}`).set('Authorization', header);
    const post = (path: string, body: object, header = alice) =>
      api.http.post(`${API}${path}`).set('Authorization', header).send(body);

    beforeAll(async () => {
      layouts = await createLayouts();
      digest = await seedImage(layouts.dev, 'team/service-a', '1.2.0');
      const notifications: NotificationService = {
        send: async options => {
          sent.push(options);
        },
      };
      api = await startApi({
        databaseId,
        databases,
        layouts,
        entities: [
          component('service-a', { owner: 'team-a' }),
          component('service-b', { owner: 'team-a' }),
        ],
        imagePromotion: peopleConfig(layouts),
        extraFeatures: [
          createServiceFactory({
            service: notificationService,
            deps: {},
            factory: () => notifications,
          }),
          createServiceFactory({
            service: signalsServiceRef,
            deps: {},
            factory: () => ({
              publish: async signal => {
                signals.push(signal as SignalPayload);
              },
            }),
          }),
          createServiceFactory({
            service: coreServices.userInfo,
            deps: {},
            factory: () => ({
              getUserInfo: async credentials => {
                const ref = (credentials.principal as { userEntityRef: string })
                  .userEntityRef;
                return {
                  userEntityRef: ref,
                  ownershipEntityRefs: [ref, ...(MEMBERSHIP[ref] ?? [])],
                };
              },
            }),
          }),
        ],
      });
      await post('/entities/default/component/service-a/refresh', {});
    });

    afterAll(async () => {
      await api?.stop();
      await layouts?.cleanup();
    });

    it('accepts a prod request during the soak, tells the release managers, and starts it after the soak once approved from the inbox', async () => {
      const qa = await post('/promotions', {
        entityRef: 'component:default/service-a',
        targetEnvironment: 'qa',
        sourceTag: '1.2.0',
      });
      expect(qa.status).toBe(202);
      await waitForStatus(api.http, qa.body.id, alice, ['succeeded']);
      await post('/entities/default/component/service-a/refresh', {});

      // The soak of prod has just started: the preview says a request is
      // accepted, and exactly when it becomes eligible.
      const preview = await post('/promotions/preview', {
        entityRef: 'component:default/service-a',
        targetEnvironment: 'prod',
        digest,
      });
      expect(preview.body).toMatchObject({
        allowed: false,
        needsApproval: true,
        canRequest: true,
      });
      const soak = preview.body.gates.find(
        (g: { gate: string }) => g.gate === 'soak',
      );
      expect(soak.passed).toBe(false);
      expect(preview.body.eligibleAt).toBe(soak.eligibleAt);

      const requested = await post('/promotions', {
        entityRef: 'component:default/service-a',
        targetEnvironment: 'prod',
        digest,
        reason: 'checkout fix for the weekend sale',
      });
      expect(requested.status).toBe(202);
      expect(requested.body).toMatchObject({
        status: 'pending_approval',
        eligibleAt: preview.body.eligibleAt,
      });
      const id: string = requested.body.id;
      const eligibleAt = new Date(requested.body.eligibleAt).getTime();

      // The release managers are told, never the requester.
      const asked = await waitFor('the approvers notification', async () =>
        sent.find(n => n.payload.title.startsWith('Approval needed')),
      );
      expect(asked.recipients).toEqual({
        type: 'entity',
        entityRef: [RELEASE_MANAGERS],
        excludeEntityRef: [ALICE],
      });
      expect(asked.payload.link).toBe(
        `/catalog/default/component/service-a/promotion?promotion=${id}`,
      );
      expect(asked.payload.description).toContain(
        'checkout fix for the weekend sale',
      );

      // The inbox: the release manager sees it with the reason and gates;
      // the requester and a team member outside the group do not.
      const inbox = await get('/approvals', rita);
      expect(inbox.status).toBe(200);
      expect(inbox.body.items).toHaveLength(1);
      expect(inbox.body.items[0]).toMatchObject({
        promotion: {
          id,
          requestedBy: ALICE,
          reason: 'checkout fix for the weekend sale',
        },
        targetEnvironmentTitle: 'Production',
        approverGroups: [RELEASE_MANAGERS],
        approvalsRequired: 1,
      });
      expect(inbox.body.items[0].promotion.gates.length).toBeGreaterThan(0);
      expect((await get('/approvals', alice)).body.items).toEqual([]);
      expect((await get('/approvals', oscar)).body.items).toEqual([]);

      const approved = await post(
        `/promotions/${id}/approve`,
        { comment: 'go for the sale' },
        rita,
      );
      expect(approved.status).toBe(200);
      expect((await get('/approvals', rita)).body.items).toEqual([]);
      // The approvers' "Approval needed" is replaced (same scope), not left stale.
      const settled = await waitFor('the approvers update', async () =>
        sent.find(
          n =>
            n.payload.scope === asked.payload.scope &&
            n.payload.title.startsWith('No longer waiting'),
        ),
      );
      expect(settled.recipients).toEqual(asked.recipients);
      expect(settled.payload).toMatchObject({
        title: 'No longer waiting: service-a 1.2.0 → Production',
        description: 'rita approved it. Nothing is left for you to approve.',
        severity: 'low',
      });

      const done = await waitForStatus(api.http, id, alice, [
        'succeeded',
        'failed',
      ]);
      expect(done.status).toBe('succeeded');
      expect(await resolveTag(layouts.prod, 'team/service-a', '1.2.0')).toBe(
        digest,
      );

      // It waited for the soak: the copy started at or after eligibleAt.
      const details = await get(`/promotions/${id}`);
      expect(new Date(details.body.startedAt).getTime()).toBeGreaterThanOrEqual(
        eligibleAt,
      );
      expect(details.body).toMatchObject({
        requestedBy: ALICE,
        reason: 'checkout fix for the weekend sale',
        approvals: [
          expect.objectContaining({
            approver: RITA,
            decision: 'approved',
            comment: 'go for the sale',
          }),
        ],
        source: { environment: 'qa', title: 'QA' },
        target: { environment: 'prod', title: 'Production' },
        failure: null,
        actions: { approve: false, reject: false, cancel: false, retry: false },
      });
      expect(details.body.copy).toMatchObject({
        manifests: expect.any(Number),
        blobs: expect.objectContaining({ total: expect.any(Number) }),
        bytes: expect.objectContaining({ total: expect.any(Number) }),
      });
      expect(details.body.copy.bytes.total).toBeGreaterThan(0);

      // The requester hears of the approval (with its comment) and the success.
      const toAlice = await waitFor('the success notification', async () => {
        const mine = sent.filter(
          n =>
            n.recipients.type === 'entity' &&
            n.recipients.entityRef.includes(ALICE),
        );
        return mine.some(n => n.payload.title.startsWith('Promoted'))
          ? mine
          : undefined;
      });
      const aboutProd = toAlice.filter(n =>
        n.payload.title.endsWith('→ Production'),
      );
      expect(aboutProd.map(n => n.payload.title)).toEqual([
        'Approved: service-a 1.2.0 → Production',
        'Promoted: service-a 1.2.0 → Production',
      ]);
      expect(aboutProd[0].payload.description).toContain('go for the sale');

      // Every state change went out on the signals channel.
      const statuses = signals
        .filter(s => (s.message as { promotionId?: string }).promotionId === id)
        .map(s => (s.message as { status: string }).status);
      expect(statuses).toEqual(
        expect.arrayContaining([
          'pending_approval',
          'queued',
          'copying',
          'verifying',
          'succeeded',
        ]),
      );
      expect(signals.every(s => s.channel === 'image-promotion')).toBe(true);
    });

    it('after an approval that is not the last one, tells each approver where things stand', async () => {
      // The first test promoted 1.2.0 into prod; Disaster recovery needs two approvals.
      const requested = await post('/promotions', {
        entityRef: 'component:default/service-a',
        targetEnvironment: 'dr',
        digest,
      });
      expect(requested.status).toBe(202);
      expect(requested.body.status).toBe('pending_approval');
      const id: string = requested.body.id;
      const scope = `image-promotion:approval:${id}`;
      await waitFor('the approvers notification', async () =>
        sent.find(
          n =>
            n.payload.scope === scope &&
            n.payload.title.startsWith('Approval needed'),
        ),
      );

      const first = await post(`/promotions/${id}/approve`, {}, rita);
      expect(first.body.status).toBe('pending_approval');
      // Rita's part is done; her "Approval needed" is replaced, not left standing.
      const toRita = await waitFor('the note to the first approver', async () =>
        sent.find(
          n =>
            n.payload.scope === scope &&
            n.payload.title.startsWith('Waiting for more approvals'),
        ),
      );
      expect(toRita.recipients).toEqual({ type: 'entity', entityRef: [RITA] });
      expect(toRita.payload).toMatchObject({
        title:
          'Waiting for more approvals: service-a 1.2.0 → Disaster recovery',
        description:
          '1 of 2 approvals is in (rita); 1 more is needed. Nothing is left for you to do.',
        severity: 'low',
      });
      // The other release managers still have something to do, and read who approved.
      const toOthers = sent.filter(
        n =>
          n.payload.scope === scope &&
          n.payload.title.startsWith('Approval needed'),
      );
      expect(toOthers).toHaveLength(2);
      expect(toOthers[1].recipients).toEqual({
        type: 'entity',
        entityRef: [RELEASE_MANAGERS],
        excludeEntityRef: [ALICE, RITA],
      });
      expect(toOthers[1].payload.description).toContain(
        '1 of 2 approvals is in (rita); 1 more is needed.',
      );
      expect(toOthers[1].payload.severity).toBe('high');

      const second = await post(`/promotions/${id}/approve`, {}, ron);
      expect(second.body.status).toBe('queued');
      const settled = await waitFor('the approvers update', async () =>
        sent.find(
          n =>
            n.payload.scope === scope &&
            n.payload.title.startsWith('No longer waiting'),
        ),
      );
      expect(settled.payload.description).toBe(
        'ron approved it. Nothing is left for you to approve.',
      );
      const done = await waitForStatus(api.http, id, alice, [
        'succeeded',
        'failed',
      ]);
      expect(done.status).toBe('succeeded');
    });

    it('tells the requester of a rejection with its comment, and retries it on request', async () => {
      await seedImage(layouts.dev, 'team/service-a', '1.3.0');
      await post('/entities/default/component/service-a/refresh', {});
      const qa = await post('/promotions', {
        entityRef: 'component:default/service-a',
        targetEnvironment: 'qa',
        sourceTag: '1.3.0',
      });
      await waitForStatus(api.http, qa.body.id, alice, ['succeeded']);
      await post('/entities/default/component/service-a/refresh', {});
      const requested = await post('/promotions', {
        entityRef: 'component:default/service-a',
        targetEnvironment: 'prod',
        digest: qa.body.digest,
      });
      expect(requested.body.status).toBe('pending_approval');
      const id: string = requested.body.id;

      const rejected = await post(
        `/promotions/${id}/reject`,
        { comment: 'not during the sale' },
        rita,
      );
      expect(rejected.body.status).toBe('rejected');
      const told = await waitFor('the rejection notification', async () =>
        sent.find(n => n.payload.title.startsWith('Rejected')),
      );
      expect(told.recipients).toEqual({ type: 'entity', entityRef: [ALICE] });
      expect(told.payload.description).toContain('not during the sale');
      const settled = await waitFor('the approvers update', async () =>
        sent.find(
          n =>
            n.payload.scope === `image-promotion:approval:${id}` &&
            n.payload.title.startsWith('No longer waiting'),
        ),
      );
      expect(settled.payload.description).toBe(
        'rita rejected it: “not during the sale”. Nothing is left for you to approve.',
      );

      const details = await get(`/promotions/${id}`);
      expect(details.body.actions).toEqual({
        approve: false,
        reject: false,
        cancel: false,
        retry: true,
      });
      const retried = await post(`/promotions/${id}/retry`, {});
      expect(retried.status).toBe(202);
      expect(retried.body).toMatchObject({
        digest: qa.body.digest,
        targetEnvironment: 'prod',
        targetTag: '1.3.0',
        status: 'pending_approval',
      });
      expect(retried.body.id).not.toBe(id);
      await post(`/promotions/${retried.body.id}/cancel`, {});
      const withdrawn = await waitFor('the approvers update', async () =>
        sent.find(
          n =>
            n.payload.scope === `image-promotion:approval:${retried.body.id}` &&
            n.payload.title.startsWith('No longer waiting'),
        ),
      );
      expect(withdrawn.payload.description).toBe(
        'alice withdrew the request. Nothing is left for you to approve.',
      );
    });

    it('tells the requester of a failure in words naming the environment and its registry', async () => {
      await seedImage(layouts.dev, 'team/service-b', '1.0.0');
      // qa's repository for service-b is a file, not a directory.
      await mkdir(join(layouts.qa, 'team'), { recursive: true });
      await writeFile(join(layouts.qa, 'team/service-b'), 'not a directory');
      await post('/entities/default/component/service-b/refresh', {});
      const requested = await post('/promotions', {
        entityRef: 'component:default/service-b',
        targetEnvironment: 'qa',
        sourceTag: '1.0.0',
      });
      expect(requested.status).toBe(202);
      const done = await waitForStatus(api.http, requested.body.id, alice, [
        'succeeded',
        'failed',
      ]);
      expect(done.status).toBe('failed');

      const details = await get(`/promotions/${requested.body.id}`);
      expect(details.body.failure).toMatchObject({
        environment: 'qa',
        registry: expect.stringContaining('team/service-b'),
        message: expect.stringMatching(
          /^Promoting 1\.0\.0 from dev \(.+\) into QA \(.+team\/service-b\) failed: /,
        ),
      });
      expect(details.body.actions.retry).toBe(true);
      const told = await waitFor('the failure notification', async () =>
        sent.find(n => n.payload.title === 'Failed: service-b 1.0.0 → QA'),
      );
      expect(told.recipients).toEqual({ type: 'entity', entityRef: [ALICE] });
      expect(told.payload.description).toBe(details.body.failure.message);
      expect(told.payload.severity).toBe('high');
    });

    it('keeps a drift acknowledgement with its comment in the history', async () => {
      // Someone pushes another image under prod's 1.2.0 by hand.
      await seedImage(layouts.prod, 'team/service-a', '1.2.0');
      await post('/entities/default/component/service-a/refresh', {});
      const history = await get('/entities/default/component/service-a/drift');
      expect(history.status).toBe(200);
      const [event] = history.body.items;
      expect(event).toMatchObject({ environment: 'prod', tag: '1.2.0' });
      const owners = await waitFor('the drift notification', async () =>
        sent.find(n => n.payload.title.startsWith('Drift')),
      );
      expect(owners.recipients).toEqual({
        type: 'entity',
        entityRef: ['group:default/team-a'],
      });

      const ack = await post(`/drift/${event.id}/acknowledge`, {
        comment: 'hotfix pushed by hand during the incident',
      });
      expect(ack.status).toBe(200);
      const after = await get('/entities/default/component/service-a/drift');
      expect(after.body.items[0]).toMatchObject({
        id: event.id,
        acknowledgedBy: ALICE,
        acknowledgeComment: 'hotfix pushed by hand during the incident',
      });
    });
  });
});
