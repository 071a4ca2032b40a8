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

// What a promotion changes (labels, commit range, layers, size, platforms),
// compared when it was requested, so its detail view and History show what
// was promoted even after the images are gone from the registries.

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('promotion_changes', table => {
    table.comment(
      'The target image of a promotion at request time compared with its candidate',
    );
    table
      .string('promotion_id', 36)
      .primary()
      .references('id')
      .inTable('promotions')
      .onDelete('CASCADE');
    table
      .text('summary')
      .notNullable()
      .comment('The ChangeSummary of the API, as JSON');
    table.timestamp('recorded_at', { useTz: true, precision: 3 }).notNullable();
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('promotion_changes');
};
