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

import { entityPromotionPath } from './links';

describe('entityPromotionPath', () => {
  it('links to the Promotion tab of a component', () => {
    expect(entityPromotionPath('component:default/checkout')).toBe(
      '/catalog/default/component/checkout/promotion',
    );
  });

  it('opens a promotion and keeps the namespace, lower-casing the kind as the catalog routes do', () => {
    expect(entityPromotionPath('Component:team-a/pay', 'abc-1')).toBe(
      '/catalog/team-a/component/pay/promotion?promotion=abc-1',
    );
  });

  it('defaults the namespace when the ref has none', () => {
    expect(entityPromotionPath('component:cart')).toBe(
      '/catalog/default/component/cart/promotion',
    );
  });
});
