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

/*
 * A promotion worker in a process of its own: "another backend replica" that
 * a test can SIGKILL mid-copy. Run with
 *   node --require @backstage/cli/config/nodeTransform.cjs workerProcess.ts
 * and the environment below; prints one JSON line per event on stdout.
 *
 *   IMAGE_PROMOTION_TEST_DB      knex config (JSON) of the shared database
 *   IMAGE_PROMOTION_TEST_CONFIG  the imagePromotion section (JSON)
 *   IMAGE_PROMOTION_TEST_OWNER   lease owner name
 *   IMAGE_PROMOTION_TEST_LEASE   lease in milliseconds
 */

import type { LoggerService } from '@backstage/backend-plugin-api';
import { knex as createKnex, Knex } from 'knex';
import { createStores } from '../database';
import { PromotionService } from '../promotion/PromotionService';
import { PromotionWorker } from '../promotion/PromotionWorker';
import { RegistryAccess } from '../registry/RegistryAccess';
import { buildConfig } from './integrationRig';

/** What the worker process reports on stdout, one JSON object per line. */
export type WorkerProcessEvent =
  | { type: 'ready'; owner: string }
  | { type: 'copy-started'; promotionId: string };

function emit(event: WorkerProcessEvent) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** Logs to stderr, which the test shows when the process dies unexpectedly. */
const stderrLogger: LoggerService = {
  error: message => process.stderr.write(`error ${message}\n`),
  warn: message => process.stderr.write(`warn ${message}\n`),
  info: message => process.stderr.write(`info ${message}\n`),
  debug: () => undefined,
  child: () => stderrLogger,
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main() {
  const db = createKnex(
    JSON.parse(required('IMAGE_PROMOTION_TEST_DB')) as Knex.Config,
  );
  const config = buildConfig(
    JSON.parse(required('IMAGE_PROMOTION_TEST_CONFIG')),
  );
  const owner = required('IMAGE_PROMOTION_TEST_OWNER');
  const stores = await createStores({
    database: { getClient: async () => db },
    skipMigrations: true,
  });
  const access = new RegistryAccess(config);
  const service = new PromotionService({ stores, config, access });
  const worker = new PromotionWorker({
    stores,
    service,
    access,
    logger: stderrLogger,
    owner,
    leaseMs: Number(required('IMAGE_PROMOTION_TEST_LEASE')),
    pollMs: 100,
    onCopyStarted: promotionId => emit({ type: 'copy-started', promotionId }),
  });
  emit({ type: 'ready', owner });
  worker.start();
}

main().catch(error => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
