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

// Why tracking could not read an environment's registry, so the lane says
// "Cannot read the qa registry" instead of "Nothing deployed yet".

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('tracking_errors', table => {
    table.comment(
      'The last tracking failure per component and environment; removed when tracking reads it again',
    );
    table
      .text('entity_ref')
      .notNullable()
      .references('entity_ref')
      .inTable('tracked_components')
      .onDelete('CASCADE');
    table.text('environment').notNullable();
    table
      .text('message')
      .notNullable()
      .comment('Why the registry could not be read, in words naming it');
    table
      .timestamp('failing_since', { useTz: true, precision: 3 })
      .notNullable()
      .comment('The first failure of this streak');
    table
      .timestamp('last_tried_at', { useTz: true, precision: 3 })
      .notNullable();
    table.primary(['entity_ref', 'environment']);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('tracking_errors');
};
