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

// What the people around a promotion need stored: when a promotion requested
// during its soak or a freeze window may start, what a drift acknowledgement
// said, and what a finished copy did (for the promotion's detail view).

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('promotions', table => {
    table
      .timestamp('eligible_at', { useTz: true, precision: 3 })
      .nullable()
      .comment('Queued promotions are not claimed before this instant');
  });
  await knex.schema.alterTable('drift_events', table => {
    table
      .text('acknowledge_comment')
      .nullable()
      .comment('What the person who acknowledged the drift wrote');
  });
  await knex.schema.createTable('promotion_copy_figures', table => {
    table.comment(
      'What the copy of a promotion did, as the copy engine counted it',
    );
    table
      .string('promotion_id', 36)
      .primary()
      .references('id')
      .inTable('promotions')
      .onDelete('CASCADE');
    table.integer('manifests').notNullable();
    table.integer('blobs_total').notNullable();
    table.integer('blobs_existing').notNullable();
    table.integer('blobs_mounted').notNullable();
    table.integer('blobs_uploaded').notNullable();
    table.bigInteger('bytes_total').notNullable();
    table.bigInteger('bytes_transferred').notNullable();
    table.boolean('up_to_date').notNullable();
    table.integer('duration_ms').notNullable();
    table.timestamp('recorded_at', { useTz: true, precision: 3 }).notNullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('promotion_copy_figures');
  await knex.schema.alterTable('drift_events', table => {
    table.dropColumn('acknowledge_comment');
  });
  await knex.schema.alterTable('promotions', table => {
    table.dropColumn('eligible_at');
  });
};
