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

// @ts-check

// Indexes for the bulk reads of the overview, metrics and status
// (src/database/ReadModelQueries.ts) and for every filter the overview offers
// (owner and system had theirs from the start).

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('tracked_components', table => {
    table.index(['lifecycle'], 'tracked_components_lifecycle_idx');
  });
  await knex.schema.alterTable('tag_states', table => {
    // the current tag of each environment, for every component at once
    table.index(['environment', 'tag'], 'tag_states_environment_tag_idx');
  });
  await knex.schema.alterTable('promotions', table => {
    // newest succeeded / failed promotion and pending approvals per component and environment
    table.index(
      ['status', 'entity_ref', 'target_environment'],
      'promotions_status_target_idx',
    );
  });
  await knex.schema.alterTable('drift_events', table => {
    // open drift counted per component and environment
    table.index(
      ['acknowledged_at', 'entity_ref', 'environment'],
      'drift_events_acknowledged_idx',
    );
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.alterTable('drift_events', table => {
    table.dropIndex([], 'drift_events_acknowledged_idx');
  });
  await knex.schema.alterTable('promotions', table => {
    table.dropIndex([], 'promotions_status_target_idx');
  });
  await knex.schema.alterTable('tag_states', table => {
    table.dropIndex([], 'tag_states_environment_tag_idx');
  });
  await knex.schema.alterTable('tracked_components', table => {
    table.dropIndex([], 'tracked_components_lifecycle_idx');
  });
};
