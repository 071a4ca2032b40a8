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

import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { createExtensionTester } from '@backstage/frontend-test-utils';
import { rootRouteRef } from '../routes';
import { imagePromotionPage } from './page';
import { imagePromotionPlugin } from './plugin';

describe('imagePromotionPage', () => {
  it('is routable at /image-promotion with a title and icon for the sidebar', () => {
    const tester = createExtensionTester(imagePromotionPage);

    expect(tester.get(coreExtensionData.routePath)).toBe('/image-promotion');
    expect(tester.get(coreExtensionData.routeRef)).toBe(rootRouteRef);
    expect(tester.get(coreExtensionData.title)).toBe('Image promotion');
    expect(tester.get(coreExtensionData.icon)).toBeTruthy();
  });
});

describe('imagePromotionPlugin (alpha)', () => {
  it('provides the API, the page, the tab and the card', () => {
    expect(imagePromotionPlugin.pluginId).toBe('image-promotion');
    expect(imagePromotionPlugin.routes.root).toBe(rootRouteRef);
    // The ids are typed: a missing extension fails to compile as well as to run.
    expect(
      imagePromotionPlugin.getExtension('api:image-promotion'),
    ).toBeDefined();
    expect(
      imagePromotionPlugin.getExtension('page:image-promotion'),
    ).toBeDefined();
    expect(
      imagePromotionPlugin.getExtension('entity-content:image-promotion'),
    ).toBeDefined();
    expect(
      imagePromotionPlugin.getExtension('entity-card:image-promotion'),
    ).toBeDefined();
  });
});
