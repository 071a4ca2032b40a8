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
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { ApprovalStore } from './ApprovalStore';
import { AutoPromotionStore } from './AutoPromotionStore';
import { ComponentStore } from './ComponentStore';
import { DriftStore } from './DriftStore';
import { PromotionChangesStore } from './PromotionChangesStore';
import { PromotionCopyFiguresStore } from './PromotionCopyFiguresStore';
import { PromotionQueue } from './PromotionQueue';
import { PromotionStore } from './PromotionStore';
import { TagStore } from './TagStore';
import { TrackingErrorStore } from './TrackingErrorStore';

const migrationsDir = resolvePackagePath(
  '@image-promotion/plugin-image-promotion-backend',
  'migrations',
);

/**
 * The persistence of the image promotion backend, one store per aggregate.
 * All work identically on SQLite and PostgreSQL, including with several
 * replicas on one PostgreSQL. Services take the stores they need
 * (`Pick<ImagePromotionStores, ...>`), so their dependencies show.
 */
export interface ImagePromotionStores {
  /** Tracked components, as the catalog annotates them. */
  components: ComponentStore;
  /** Versions and tags per environment, written by tracking and promotions. */
  tags: TagStore;
  /** Tags that moved without a promotion, and their acknowledgements. */
  drift: DriftStore;
  /** Promotions and their history. */
  promotions: PromotionStore;
  /** Approvers' decisions and the promotions waiting for them. */
  approvals: ApprovalStore;
  /** The execution queue: claims, leases, progress, completion. */
  queue: PromotionQueue;
  /** What each finished copy did. */
  copyFigures: PromotionCopyFiguresStore;
  /** What each promotion changes, compared when it was requested. */
  changes: PromotionChangesStore;
  /** Auto-promotion's pauses and the versions it has claimed. */
  autoPromotions: AutoPromotionStore;
  /** What the last tracking run could not read, per environment. */
  trackingErrors: TrackingErrorStore;
}

/** The stores over one migrated client. */
export function storesFor(db: Knex): ImagePromotionStores {
  return {
    components: new ComponentStore(db),
    tags: new TagStore(db),
    drift: new DriftStore(db),
    promotions: new PromotionStore(db),
    approvals: new ApprovalStore(db),
    queue: new PromotionQueue(db),
    copyFigures: new PromotionCopyFiguresStore(db),
    changes: new PromotionChangesStore(db),
    autoPromotions: new AutoPromotionStore(db),
    trackingErrors: new TrackingErrorStore(db),
  };
}

/** Connects to the plugin database and runs the migrations unless told not to. */
export async function createStores(options: {
  database: DatabaseService;
  skipMigrations?: boolean;
}): Promise<ImagePromotionStores> {
  const client = await options.database.getClient();
  if (!options.skipMigrations && !options.database.migrations?.skip) {
    await client.migrate.latest({ directory: migrationsDir });
  }
  return storesFor(client);
}
