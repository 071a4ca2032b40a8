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

// Auto-promotion: which services an owner paused it for, and which version
// the plugin already queued (or tried to queue) into which environment, so a
// version is auto-promoted once however many replicas notice it.

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('auto_promotion_pauses', table => {
    table.comment('Services whose owners paused auto-promotion');
    table.string('entity_ref', 512).primary();
    table.string('paused_by', 512).notNullable();
    table.timestamp('paused_at', { useTz: true, precision: 3 }).notNullable();
    table.text('reason').nullable();
  });
  await knex.schema.createTable('auto_promotion_triggers', table => {
    table.comment(
      'One row per version the plugin auto-promoted (or tried to) into an environment',
    );
    table.string('entity_ref', 512).notNullable();
    table.string('target_environment', 63).notNullable();
    table.string('digest', 71).notNullable();
    table.primary(['entity_ref', 'target_environment', 'digest']);
    table.string('promotion_id', 36).nullable();
    table
      .text('outcome')
      .nullable()
      .comment('Why no promotion was queued, in words');
    table.timestamp('created_at', { useTz: true, precision: 3 }).notNullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('auto_promotion_triggers');
  await knex.schema.dropTable('auto_promotion_pauses');
};
