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

import { PageBlueprint } from '@backstage/frontend-plugin-api';
import PublishIcon from '@material-ui/icons/Publish';
import { rootRouteRef } from '../routes';

/**
 * The overview page at /image-promotion. Its route ref, title and icon make the app put it in the
 * sidebar (the 1.x frontend system derives nav items from pages; there is no NavItemBlueprint).
 */
export const imagePromotionPage = PageBlueprint.make({
  params: {
    path: '/image-promotion',
    routeRef: rootRouteRef,
    title: 'Image promotion',
    icon: <PublishIcon fontSize="inherit" />,
    loader: () =>
      import('../components/ImagePromotionPage').then(m => (
        <m.ImagePromotionOverviewPage />
      )),
  },
});
