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

import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';
import fs from 'node:fs';
import { Knex } from 'knex';

jest.setTimeout(60_000);

const migrationsDir = resolvePackagePath(
  '@image-promotion/plugin-image-promotion-backend',
  'migrations',
);
const migrationFiles = fs
  .readdirSync(migrationsDir)
  .filter(name => name.endsWith('.js'))
  .sort();

const TABLES = [
  'tracked_components',
  'image_versions',
  'tag_states',
  'tag_history',
  'drift_events',
  'promotions',
  'promotion_events',
  'promotion_locks',
  'promotion_approvals',
  'promotion_copy_figures',
  'tracking_errors',
  'promotion_changes',
];

async function existingTables(knex: Knex): Promise<string[]> {
  const found: string[] = [];
  for (const table of TABLES) {
    if (await knex.schema.hasTable(table)) {
      found.push(table);
    }
  }
  return found;
}

describe('migrations', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  it('has at least one migration', () => {
    expect(migrationFiles.length).toBeGreaterThan(0);
  });

  it.each(databases.eachSupportedId())(
    'migrates up one step at a time, all the way down and up again, %p',
    async databaseId => {
      const knex = await databases.init(databaseId);

      for (const _file of migrationFiles) {
        await knex.migrate.up({ directory: migrationsDir });
      }
      expect(await existingTables(knex)).toEqual(TABLES);

      const now = new Date('2026-01-02T03:04:05.678Z');
      await knex('promotions').insert({
        id: '00000000-0000-4000-8000-000000000001',
        entity_ref: 'component:default/a',
        source_environment: 'dev',
        target_environment: 'qa',
        digest: `sha256:${'a'.repeat(64)}`,
        source_tag: '1.0.0',
        target_tag: '1.0.0',
        reason: null,
        status: 'queued',
        requested_by: 'user:default/jane',
        is_rollback: false,
        gate_results: '[]',
        failure_reason: null,
        bytes_total: 5_000_000_000,
        bytes_copied: 0,
        attempts: 0,
        lease_owner: null,
        lease_expires_at: null,
        created_at: now,
        updated_at: now,
        started_at: null,
        finished_at: null,
      });
      const [row] = await knex('promotions').select(
        'bytes_total',
        'created_at',
      );
      expect(Number(row.bytes_total)).toBe(5_000_000_000);
      expect(new Date(row.created_at).toISOString()).toBe(now.toISOString());

      const lock = {
        entity_ref: 'component:default/a',
        target_environment: 'qa',
        promotion_id: '00000000-0000-4000-8000-000000000001',
        created_at: now,
      };
      await knex('promotion_locks').insert(lock);
      // better-sqlite3's errors may come from another jest realm, so no toThrow()
      const duplicate = await knex('promotion_locks')
        .insert(lock)
        .then(
          () => 'inserted',
          () => 'refused',
        );
      expect(duplicate).toBe('refused');

      for (const _file of migrationFiles) {
        await knex.migrate.down({ directory: migrationsDir });
      }
      expect(await existingTables(knex)).toEqual([]);

      await knex.migrate.latest({ directory: migrationsDir });
      expect(await existingTables(knex)).toEqual(TABLES);
      await knex.migrate.rollback({ directory: migrationsDir }, true);
      expect(await existingTables(knex)).toEqual([]);

      await knex.destroy();
    },
  );
});
