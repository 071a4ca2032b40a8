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

import { REF, D1, D2, t, storeDatabases } from './__testUtils__/storeTests';

jest.setTimeout(60_000);

describe('DriftStore', () => {
  const { databases, createStore } = storeDatabases();

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('detects drift when a tag moves without a promotion, until acknowledged', async () => {
      const { stores } = await createStore(databaseId);
      await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'prod',
        observed: [{ tag: 'prod', digest: D1 }],
        now: t(0),
      });
      const { driftEvents } = await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'prod',
        observed: [{ tag: 'prod', digest: D2 }],
        now: t(5),
      });
      expect(driftEvents).toEqual([
        {
          id: expect.any(String),
          entityRef: REF,
          environment: 'prod',
          tag: 'prod',
          previousDigest: D1,
          newDigest: D2,
          detectedAt: t(5),
          acknowledgedAt: null,
          acknowledgedBy: null,
          acknowledgeComment: null,
        },
      ]);
      // the moved tag is now the recorded state: no second event
      const again = await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'prod',
        observed: [{ tag: 'prod', digest: D2 }],
        now: t(6),
      });
      expect(again.driftEvents).toEqual([]);
      expect(
        (await stores.tags.listVersions(REF, 'prod')).map(v => [
          v.digest,
          v.tags,
        ]),
      ).toEqual([
        [D2, ['prod']],
        [D1, []],
      ]);

      expect(
        await stores.drift.listDriftEvents({
          entityRef: REF,
          environment: 'prod',
        }),
      ).toEqual(driftEvents);
      expect(await stores.drift.listDriftEvents({ environment: 'qa' })).toEqual(
        [],
      );

      const id = driftEvents[0].id;
      expect(
        await stores.drift.acknowledgeDrift(id, 'user:default/ops', null, t(7)),
      ).toBe(true);
      expect(await stores.drift.acknowledgeDrift(id, 'user:default/ops')).toBe(
        false,
      );
      expect(await stores.drift.listDriftEvents({ entityRef: REF })).toEqual(
        [],
      );
      expect(
        await stores.drift.listDriftEvents({
          entityRef: REF,
          includeAcknowledged: true,
        }),
      ).toEqual([
        expect.objectContaining({
          id,
          acknowledgedAt: t(7),
          acknowledgedBy: 'user:default/ops',
        }),
      ]);
    });

    it("keeps the acknowledger's comment and lists a component's history, newest first", async () => {
      const { stores } = await createStore(databaseId);
      const moves = [D1, D2, D1];
      for (const [i, digest] of moves.entries()) {
        await stores.tags.applyTagSnapshot({
          entityRef: REF,
          environment: i === 0 ? 'qa' : 'prod',
          observed: [{ tag: 'live', digest }],
          now: t(i),
        });
      }
      await stores.tags.applyTagSnapshot({
        entityRef: REF,
        environment: 'qa',
        observed: [{ tag: 'live', digest: D2 }],
        now: t(5),
      });
      const open = await stores.drift.listDriftEvents({ entityRef: REF });
      expect(open.map(e => [e.environment, e.detectedAt])).toEqual([
        ['qa', t(5)],
        ['prod', t(2)],
      ]);
      const prodEvent = open[1];
      expect(
        await stores.drift.acknowledgeDrift(
          prodEvent.id,
          'user:default/ops',
          'rolled back by hand during the incident',
          t(6),
        ),
      ).toBe(true);

      const history = await stores.drift.listDriftHistory({ entityRef: REF });
      expect(history.map(e => e.environment)).toEqual(['qa', 'prod']);
      expect(history[1]).toMatchObject({
        acknowledgedBy: 'user:default/ops',
        acknowledgedAt: t(6),
        acknowledgeComment: 'rolled back by hand during the incident',
      });
      expect(
        await stores.drift.listDriftHistory({
          entityRef: REF,
          environment: 'prod',
        }),
      ).toEqual([history[1]]);
      expect(
        await stores.drift.listDriftHistory({ entityRef: REF, limit: 1 }),
      ).toEqual([history[0]]);
      expect(await stores.drift.getDriftEvent(prodEvent.id)).toEqual(
        history[1],
      );
    });
  });
});
