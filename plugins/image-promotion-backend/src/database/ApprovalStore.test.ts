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
  D1,
  OTHER_REF,
  t,
  promotionInput,
  storeDatabases,
} from './__testUtils__/storeTests';
import { DuplicateApprovalError } from './errors';

jest.setTimeout(60_000);

describe('ApprovalStore', () => {
  const { databases, createStore } = storeDatabases();

  describe.each(databases.eachSupportedId())('on %p', databaseId => {
    it('stores one decision per approver', async () => {
      const { stores } = await createStore(databaseId);
      const promotion = await stores.promotions.createPromotion(
        promotionInput({ status: 'pending_approval' }),
      );
      await stores.approvals.addApproval({
        promotionId: promotion.id,
        approver: 'user:default/a',
        digest: D1,
        decision: 'approved',
        comment: 'lgtm',
        at: t(1),
      });
      await stores.approvals.addApproval({
        promotionId: promotion.id,
        approver: 'user:default/b',
        digest: D1,
        decision: 'rejected',
        at: t(2),
      });
      await expect(
        stores.approvals.addApproval({
          promotionId: promotion.id,
          approver: 'user:default/a',
          digest: D1,
          decision: 'rejected',
        }),
      ).rejects.toBeInstanceOf(DuplicateApprovalError);
      expect(await stores.approvals.listApprovals(promotion.id)).toEqual([
        {
          promotionId: promotion.id,
          approver: 'user:default/a',
          digest: D1,
          decision: 'approved',
          comment: 'lgtm',
          at: t(1),
        },
        {
          promotionId: promotion.id,
          approver: 'user:default/b',
          digest: D1,
          decision: 'rejected',
          comment: null,
          at: t(2),
        },
      ]);
    });

    it('lists the promotions waiting for approval, oldest first, with their decisions', async () => {
      const { stores } = await createStore(databaseId);
      const later = await stores.promotions.createPromotion(
        promotionInput({
          entityRef: OTHER_REF,
          status: 'pending_approval',
          now: t(2),
        }),
      );
      const earlier = await stores.promotions.createPromotion(
        promotionInput({ status: 'pending_approval', now: t(1) }),
      );
      await stores.promotions.createPromotion(
        promotionInput({ targetEnvironment: 'prod', now: t(0) }),
      );
      await stores.approvals.addApproval({
        promotionId: earlier.id,
        approver: 'user:default/lead',
        digest: D1,
        decision: 'approved',
        comment: 'checked the changelog',
        at: t(3),
      });

      const waiting = await stores.approvals.listWaiting();
      expect(waiting.map(w => w.promotion.id)).toEqual([earlier.id, later.id]);
      expect(waiting[0].approvals).toEqual([
        expect.objectContaining({
          approver: 'user:default/lead',
          comment: 'checked the changelog',
        }),
      ]);
      expect(waiting[1].approvals).toEqual([]);
    });
  });
});
