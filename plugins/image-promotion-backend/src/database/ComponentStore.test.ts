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

import { REF, OTHER_REF, storeDatabases } from './__testUtils__/storeTests';

import { ownedBy as ownedByMatcher } from './ownerRef';

jest.setTimeout(60_000);

describe('ComponentStore', () => {
  const { databases, createStore } = storeDatabases();

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('upserts, filters and prunes tracked components', async () => {
      const { stores } = await createStore(databaseId);
      await stores.components.upsertComponents([
        {
          entityRef: REF,
          image: 'payments',
          pipeline: 'default',
          owner: 'group:default/team-a',
          lifecycle: 'production',
        },
        {
          entityRef: OTHER_REF,
          image: 'billing',
          pipeline: 'default',
          owner: 'group:default/team-b',
          tagPattern: '^v\\d+',
        },
      ]);
      await stores.components.upsertComponents([
        {
          entityRef: REF,
          image: 'payments-api',
          pipeline: 'default',
          owner: 'group:default/team-a',
          title: 'Payments',
        },
      ]);

      const all = await stores.components.listComponents();
      expect(all.map(c => c.entityRef)).toEqual([OTHER_REF, REF]);
      expect(all[1]).toMatchObject({
        image: 'payments-api',
        title: 'Payments',
        lifecycle: null,
      });
      expect(all[1].updatedAt).toBeInstanceOf(Date);
      expect(
        await stores.components.listComponents({
          owner: ['group:default/team-b'],
        }),
      ).toEqual([expect.objectContaining({ tagPattern: '^v\\d+' })]);

      expect(await stores.components.removeComponentsNotIn([REF])).toBe(1);
      expect(
        (await stores.components.listComponents()).map(c => c.entityRef),
      ).toEqual([REF]);
    });

    it('matches an owner in any spelling', async () => {
      const { stores } = await createStore(databaseId);
      const spellings = [
        'team-a',
        'group:default/team-a',
        'Group:Team-A',
        'default/team-a',
        'group:other/team-a',
        'user:default/team-a',
        'team-b',
      ];
      await stores.components.upsertComponents(
        spellings.map((owner, i) => ({
          entityRef: `component:default/c${i}`,
          image: `registry.example.com/c${i}`,
          pipeline: 'standard',
          owner,
        })),
      );
      const ownedBy = async (owner: string) =>
        (await stores.components.listComponents({ owner: [owner] })).map(
          c => c.owner,
        );
      const teamA = [
        'team-a',
        'group:default/team-a',
        'Group:Team-A',
        'default/team-a',
      ];
      expect(await ownedBy('team-a')).toEqual(teamA);
      expect(await ownedBy('group:default/team-a')).toEqual(teamA);
      expect(await ownedBy('GROUP:default/TEAM-A')).toEqual(teamA);
      expect(await ownedBy('other/team-a')).toEqual(['group:other/team-a']);
      expect(await ownedBy('user:team-a')).toEqual(['user:default/team-a']);

      // the in-memory matcher (metrics) agrees with the store
      const matches = ownedByMatcher(['team-a']);
      expect(spellings.filter(matches)).toEqual(teamA);
    });
  });
});
