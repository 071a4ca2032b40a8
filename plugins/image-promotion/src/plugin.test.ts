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

import { ANNOTATION_IMAGE } from '@image-promotion/plugin-image-promotion-common';
import * as legacy from './index';
import { entity } from './__testUtils__/data';

describe('isImagePromotionAvailable', () => {
  it.each<[string, Record<string, string> | undefined, boolean]>([
    ['with the image annotation', { [ANNOTATION_IMAGE]: 'checkout' }, true],
    ['without annotations', undefined, false],
    ['with other annotations only', { 'backstage.io/source': 'x' }, false],
    ['with an empty image annotation', { [ANNOTATION_IMAGE]: '' }, false],
    ['with a blank image annotation', { [ANNOTATION_IMAGE]: '  ' }, false],
  ])('an entity %s -> %s', (_case, annotations, expected) => {
    const subject = entity();
    subject.metadata.annotations = annotations;
    expect(legacy.isImagePromotionAvailable(subject)).toBe(expected);
  });
});

describe('imagePromotionPlugin', () => {
  it('has the image-promotion id and provides the API client', () => {
    expect(legacy.imagePromotionPlugin.getId()).toBe('image-promotion');
    expect(
      [...legacy.imagePromotionPlugin.getApis()].map(f => f.api.id),
    ).toEqual(['plugin.image-promotion.service']);
  });

  it('exports the extensions the EntityPage and App need', () => {
    expect(legacy.EntityImagePromotionContent).toBeDefined();
    expect(legacy.EntityImagePromotionCard).toBeDefined();
    expect(legacy.ImagePromotionPage).toBeDefined();
    expect(legacy.imagePromotionApiRef.id).toBe(
      'plugin.image-promotion.service',
    );
  });
});
