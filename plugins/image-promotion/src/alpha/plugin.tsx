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

import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import PublishIcon from '@material-ui/icons/Publish';
import {
  approvalsRouteRef,
  entityContentRouteRef,
  rootRouteRef,
} from '../routes';
import { imagePromotionApi } from './api';
import { imagePromotionEntityCard } from './entityCard';
import { imagePromotionEntityContent } from './entityContent';
import { imagePromotionApprovalsPage, imagePromotionPage } from './page';

/**
 * The image promotion frontend plugin, for apps on the new frontend system.
 *
 * @alpha
 */
export const imagePromotionPlugin = createFrontendPlugin({
  pluginId: 'image-promotion',
  title: 'Image promotion',
  icon: <PublishIcon fontSize="inherit" />,
  routes: {
    root: rootRouteRef,
    entityContent: entityContentRouteRef,
    approvals: approvalsRouteRef,
  },
  extensions: [
    imagePromotionApi,
    imagePromotionPage,
    imagePromotionApprovalsPage,
    imagePromotionEntityContent,
    imagePromotionEntityCard,
  ],
});
