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

import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import notificationsPlugin from '@backstage/plugin-notifications/alpha';
import signalsPlugin from '@backstage/plugin-signals/alpha';
import userSettingsPlugin from '@backstage/plugin-user-settings/alpha';
import imagePromotionPlugin from '@image-promotion/plugin-image-promotion/alpha';

// The app plugin that createApp installs brings the guest sign-in page, the sidebar and the themes.
// Notifications add the bell and the /notifications page (approvers are told there); signals keep
// the promotion pages live without polling.
export default createApp({
  features: [
    catalogPlugin,
    userSettingsPlugin,
    notificationsPlugin,
    signalsPlugin,
    imagePromotionPlugin,
  ],
});
