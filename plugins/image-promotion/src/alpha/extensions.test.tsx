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
import {
  createExtensionTester,
  renderInTestApp,
} from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { ANNOTATION_IMAGE } from '@image-promotion/plugin-image-promotion-common';
import { screen } from '@testing-library/react';
import { imagePromotionApiRef } from '../api';
import { entity, fakeApi } from '../__testUtils__/data';
import { imagePromotionEntityCard } from './entityCard';
import { imagePromotionEntityContent } from './entityContent';

// The content is lazy-loaded; the first render can exceed the 1 s default on a busy machine.
const SLOW = { timeout: 5000 };
jest.setTimeout(30_000);

describe('imagePromotionEntityContent', () => {
  it('is the Promotion tab at /promotion', () => {
    const tester = createExtensionTester(imagePromotionEntityContent);

    expect(tester.get(coreExtensionData.routePath)).toBe('promotion');
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe('Promotion');
  });

  it('is shown only for entities with the image annotation', () => {
    const filter = createExtensionTester(imagePromotionEntityContent).get(
      EntityContentBlueprint.dataRefs.filterFunction,
    );

    expect(filter?.(entity({ [ANNOTATION_IMAGE]: 'payments' }))).toBe(true);
    expect(filter?.(entity({ 'backstage.io/source': 'x' }))).toBe(false);
  });

  it('renders the lanes for the entity', async () => {
    const tester = createExtensionTester(imagePromotionEntityContent);

    renderInTestApp(
      <EntityProvider entity={entity()}>
        {tester.reactElement()}
      </EntityProvider>,
      { apis: [[imagePromotionApiRef, fakeApi()]] },
    );

    expect(
      await screen.findByRole('region', { name: 'QA environment' }, SLOW),
    ).toBeInTheDocument();
  });
});

describe('imagePromotionEntityCard', () => {
  it('is a content card shown only for entities with the image annotation', () => {
    const tester = createExtensionTester(imagePromotionEntityCard);
    const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction);

    expect(tester.get(EntityCardBlueprint.dataRefs.type)).toBe('content');
    expect(filter?.(entity())).toBe(true);
    expect(filter?.(entity({}))).toBe(false);
  });
});
