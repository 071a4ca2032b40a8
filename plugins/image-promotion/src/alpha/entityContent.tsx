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

import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { ANNOTATION_IMAGE } from '@image-promotion/plugin-image-promotion-common';
import { entityContentRouteRef } from '../routes';

/** The entity "Promotion" tab, shown on entities that carry the image annotation. */
export const imagePromotionEntityContent = EntityContentBlueprint.make({
  params: {
    path: 'promotion',
    title: 'Promotion',
    routeRef: entityContentRouteRef,
    // A predicate rather than a function so that app-config can override it.
    filter: { [`metadata.annotations.${ANNOTATION_IMAGE}`]: { $exists: true } },
    loader: () =>
      import('../components/EntityImagePromotionContent').then(m => (
        <m.EntityImagePromotionContent />
      )),
  },
});
