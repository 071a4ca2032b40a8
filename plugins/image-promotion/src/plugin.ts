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
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { imagePromotionApiRef, ImagePromotionClient } from './api';
import {
  approvalsRouteRef,
  entityContentRouteRef,
  rootRouteRef,
} from './routes';

export { isImagePromotionAvailable } from './isImagePromotionAvailable';

/**
 * The image promotion frontend plugin, for apps on the legacy frontend system.
 *
 * @public
 */
export const imagePromotionPlugin = createPlugin({
  id: 'image-promotion',
  apis: [
    createApiFactory({
      api: imagePromotionApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ImagePromotionClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: {
    root: rootRouteRef,
    entityContent: entityContentRouteRef,
    approvals: approvalsRouteRef,
  },
});

/**
 * The approvals inbox: everything the signed-in user may approve, across components. Mount it at
 * `/image-promotion/approvals`, where notifications to approvers link.
 *
 * @public
 */
export const ImagePromotionApprovalsPage = imagePromotionPlugin.provide(
  createRoutableExtension({
    name: 'ImagePromotionApprovalsPage',
    component: () =>
      import('./components/ApprovalsInbox').then(m => m.ApprovalsInboxPage),
    mountPoint: approvalsRouteRef,
  }),
);

/**
 * The entity Promotion tab; mount it on entity pages of components that pass
 * {@link isImagePromotionAvailable}.
 *
 * @public
 */
export const EntityImagePromotionContent = imagePromotionPlugin.provide(
  createRoutableExtension({
    name: 'EntityImagePromotionContent',
    component: () =>
      import('./components/EntityImagePromotionContent').then(
        m => m.EntityImagePromotionContent,
      ),
    mountPoint: entityContentRouteRef,
  }),
);

/**
 * The entity overview card: the environments' lanes, compact, linking to the Promotion tab.
 *
 * @public
 */
export const EntityImagePromotionCard = imagePromotionPlugin.provide(
  createComponentExtension({
    name: 'EntityImagePromotionCard',
    component: {
      lazy: () =>
        import('./components/EntityImagePromotionCard').then(
          m => m.EntityImagePromotionCard,
        ),
    },
  }),
);

/**
 * The overview page of every tracked component × environment, with delivery metrics.
 *
 * @public
 */
export const ImagePromotionPage = imagePromotionPlugin.provide(
  createRoutableExtension({
    name: 'ImagePromotionPage',
    component: () =>
      import('./components/ImagePromotionPage').then(m => m.ImagePromotionPage),
    mountPoint: rootRouteRef,
  }),
);
