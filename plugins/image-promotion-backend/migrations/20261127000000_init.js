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

/*
 * Timestamps are written as JavaScript Dates and only ever compared with
 * Dates: PostgreSQL stores them as timestamptz, better-sqlite3 as epoch
 * milliseconds. The store normalises both back to Date on read. JSON values
 * live in text columns and are parsed by the store.
 */

/**
 * @param {import('knex').Knex.CreateTableBuilder} table
 * @param {string} name
 */
function timestamp(table, name) {
  return table.timestamp(name, { useTz: true, precision: 3 });
}

/**
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('tracked_components', table => {
    table.comment('Catalog components that opted in to image promotion');
    table.text('entity_ref').primary().comment('Catalog entity ref');
    table.text('image').notNullable().comment('Image name from annotation');
    table.text('pipeline').notNullable().comment('Pipeline name');
    table.text('tag_pattern').nullable().comment('Tag filter (regexp)');
    table.text('title').nullable();
    table.text('owner').nullable().comment('Owner entity ref');
    table.text('system').nullable().comment('System entity ref');
    table.text('lifecycle').nullable();
    timestamp(table, 'updated_at').notNullable();
    table.index(['owner'], 'tracked_components_owner_idx');
    table.index(['system'], 'tracked_components_system_idx');
  });

  await knex.schema.createTable('image_versions', table => {
    table.comment('Digests seen per component and environment');
    table.text('entity_ref').notNullable();
    table.text('environment').notNullable();
    table.text('digest').notNullable();
    table
      .text('tags')
      .notNullable()
      .comment('JSON array of the tags currently pointing to the digest');
    timestamp(table, 'first_seen').notNullable();
    timestamp(table, 'last_seen').notNullable();
    table
      .string('origin', 16)
      .notNullable()
      .comment("'discovered' by tracking or copied by a 'promotion'");
    table.string('promotion_id', 36).nullable();
    table.primary(['entity_ref', 'environment', 'digest']);
    table.index(
      ['entity_ref', 'environment', 'first_seen'],
      'image_versions_first_seen_idx',
    );
  });

  await knex.schema.createTable('tag_states', table => {
    table.comment('The digest each tag is believed to point to');
    table.text('entity_ref').notNullable();
    table.text('environment').notNullable();
    table.text('tag').notNullable();
    table.text('digest').notNullable();
    timestamp(table, 'since')
      .notNullable()
      .comment('When the tag started pointing to this digest');
    table
      .string('promotion_id', 36)
      .nullable()
      .comment('The promotion that moved the tag here, if any');
    table.primary(['entity_ref', 'environment', 'tag']);
  });

  await knex.schema.createTable('tag_history', table => {
    table.comment(
      'Every digest a tag has pointed to; answers "was this digest current before"',
    );
    table.increments('id');
    table.text('entity_ref').notNullable();
    table.text('environment').notNullable();
    table.text('tag').notNullable();
    table.text('digest').notNullable();
    table
      .string('cause', 16)
      .notNullable()
      .comment("'discovered', 'drift' or 'promotion'");
    table.string('promotion_id', 36).nullable();
    timestamp(table, 'at').notNullable();
    table.index(
      ['entity_ref', 'environment', 'tag', 'digest'],
      'tag_history_lookup_idx',
    );
  });

  await knex.schema.createTable('drift_events', table => {
    table.comment('Tags that moved without a promotion');
    table.string('id', 36).primary();
    table.text('entity_ref').notNullable();
    table.text('environment').notNullable();
    table.text('tag').notNullable();
    table.text('previous_digest').notNullable();
    table.text('new_digest').notNullable();
    timestamp(table, 'detected_at').notNullable();
    timestamp(table, 'acknowledged_at').nullable();
    table.text('acknowledged_by').nullable();
    table.index(
      ['entity_ref', 'environment', 'acknowledged_at'],
      'drift_events_open_idx',
    );
  });

  await knex.schema.createTable('promotions', table => {
    table.comment('Requests to copy a digest into an environment');
    table.string('id', 36).primary();
    table.text('entity_ref').notNullable();
    table.text('source_environment').notNullable();
    table.text('target_environment').notNullable();
    table.text('digest').notNullable();
    table.text('source_tag').nullable();
    table.text('target_tag').notNullable();
    table.text('reason').nullable();
    table.string('status', 32).notNullable();
    table.text('requested_by').notNullable();
    table.boolean('is_rollback').notNullable();
    table.text('gate_results').notNullable().comment('JSON GateResult[]');
    table.text('failure_reason').nullable();
    table.bigInteger('bytes_total').nullable();
    table.bigInteger('bytes_copied').notNullable();
    table.integer('attempts').notNullable();
    table.text('lease_owner').nullable();
    timestamp(table, 'lease_expires_at').nullable();
    timestamp(table, 'created_at').notNullable();
    timestamp(table, 'updated_at').notNullable();
    timestamp(table, 'started_at').nullable();
    timestamp(table, 'finished_at').nullable();
    table.index(
      ['entity_ref', 'target_environment', 'created_at'],
      'promotions_target_idx',
    );
    table.index(['status', 'created_at'], 'promotions_status_idx');
    table.index(['created_at'], 'promotions_created_at_idx');
    table.index(['finished_at'], 'promotions_finished_at_idx');
  });

  await knex.schema.createTable('promotion_events', table => {
    table.comment('Every status change of a promotion');
    table.increments('id');
    table
      .string('promotion_id', 36)
      .notNullable()
      .references('id')
      .inTable('promotions')
      .onDelete('CASCADE');
    table
      .string('from_status', 32)
      .nullable()
      .comment('Null for the creation event');
    table.string('to_status', 32).notNullable();
    table.text('actor').notNullable();
    table.text('message').nullable();
    timestamp(table, 'at').notNullable();
    table.index(['promotion_id'], 'promotion_events_promotion_idx');
    table.index(['to_status', 'at'], 'promotion_events_to_status_idx');
  });

  await knex.schema.createTable('promotion_locks', table => {
    table.comment(
      'At most one open promotion per component and target environment',
    );
    table.text('entity_ref').notNullable();
    table.text('target_environment').notNullable();
    table
      .string('promotion_id', 36)
      .notNullable()
      .references('id')
      .inTable('promotions')
      .onDelete('CASCADE');
    timestamp(table, 'created_at').notNullable();
    table.primary(['entity_ref', 'target_environment']);
  });

  await knex.schema.createTable('promotion_approvals', table => {
    table.comment('Approval decisions, bound to the digest approved');
    table
      .string('promotion_id', 36)
      .notNullable()
      .references('id')
      .inTable('promotions')
      .onDelete('CASCADE');
    table.text('approver').notNullable();
    table.text('digest').notNullable();
    table.string('decision', 16).notNullable();
    table.text('comment').nullable();
    timestamp(table, 'at').notNullable();
    table.primary(['promotion_id', 'approver']);
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('promotion_approvals');
  await knex.schema.dropTable('promotion_locks');
  await knex.schema.dropTable('promotion_events');
  await knex.schema.dropTable('promotions');
  await knex.schema.dropTable('drift_events');
  await knex.schema.dropTable('tag_history');
  await knex.schema.dropTable('tag_states');
  await knex.schema.dropTable('image_versions');
  await knex.schema.dropTable('tracked_components');
};
