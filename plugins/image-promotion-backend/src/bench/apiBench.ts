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

/* eslint-disable no-console */
// A benchmark run from the sources only, never part of the build: it starts a
// test backend with the test helpers and the real permission backend.
/* eslint-disable @backstage/no-undeclared-imports, no-restricted-imports */

// Read API latency at catalog scale: a backend on PostgreSQL with generated
// components, timing the overview (all rows), metrics, status and preview.
// A benchmark, not a test: it prints numbers and the goals met or not.
//
//   yarn bench:api
//
// BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432),
// BENCH_SIZES (default 1000,5000), BENCH_ROUNDS (default 20 per endpoint),
// BENCH_MAX_SECONDS (time budget per endpoint, default 60; at least 3 rounds),
// BENCH_PERMISSIONS (`backend`: the real permission backend with the
// allow-all policy, the default; `mock`: an in-process allow-all permission
// service, which has no request size limit),
// BENCH_SAVE (write the results as JSON to this file),
// BENCH_BASELINE (figures printed beside the results: apiBench.baseline.json
// next to this file by default, the runs of the code before the bulk read
// models, with both permission set-ups).

import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { knex as createKnex, Knex } from 'knex';
import { actorAuthServiceFactory } from '../__testUtils__/actorAuth';
import {
  fakeDigest,
  generatedEntities,
  generatedRef,
  seedGeneratedComponents,
} from '../__testUtils__/seedCatalog';
import { createStores } from '../database';
import imagePromotionPlugin from '../index';

const POSTGRES =
  process.env.BENCH_POSTGRES ?? 'postgresql://postgres@127.0.0.1:5432';
const SIZES = (process.env.BENCH_SIZES ?? '1000,5000')
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 60);
/** Per request; generous, since the code before the bulk read models took up to 138 s for one overview. */
const REQUEST_TIMEOUT_MS = Number(
  process.env.BENCH_REQUEST_TIMEOUT_MS ?? 300_000,
);
const PERMISSIONS = process.env.BENCH_PERMISSIONS ?? 'backend';
const BASELINE =
  process.env.BENCH_BASELINE ??
  resolvePackagePath(
    '@image-promotion/plugin-image-promotion-backend',
    'src/bench/apiBench.baseline.json',
  );
const ENVIRONMENTS = ['dev', 'qa', 'staging', 'prod'];
const USER = mockCredentials.user.header('user:default/bench');

/** One endpoint's figures at one catalog size. */
interface Result {
  components: number;
  endpoint: string;
  statuses: Record<string, number>;
  rounds: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /**
   * CPU time of the benchmark process per request (server and client share
   * it; PostgreSQL's own CPU is not in it), median: a figure that a busy
   * machine changes less than the wall-clock times.
   */
  cpuMedianMs?: number;
  /** SQL statements per request: the median and the largest. */
  queriesMedian: number;
  queriesMax: number;
  bytes: number;
}

/** p95 goals of the issue, by endpoint and size (0 = any size). */
function goalMs(endpoint: string, components: number): number | undefined {
  if (endpoint === 'overview') return components <= 1000 ? 300 : 1000;
  if (endpoint === 'status') return 50;
  if (endpoint === 'metrics') return 300;
  return undefined;
}

/**
 * What issue 14 measured before the change (with the permission backend's
 * size limit lifted; above about 480 components the overview and metrics
 * answered 500), by endpoint: the sizes it measured, nearest first.
 */
const ISSUE_BEFORE: Record<
  string,
  Array<{ components: number; text: string }>
> = {
  overview: [
    { components: 100, text: 'p50 0.60 s' },
    {
      components: 1000,
      text: 'p50 5.4 s, p95 6.1 s, 20,015 SQL per request (500 with the limit)',
    },
    {
      components: 3000,
      text: 'p50 16.4 s, p95 18.2 s, 60,014 SQL per request, 5.4 MB (500 with the limit)',
    },
  ],
  metrics: [
    { components: 1000, text: 'p95 23 ms (500 with the limit)' },
    { components: 3000, text: 'p95 86 ms (500 with the limit)' },
  ],
  status: [{ components: 0, text: 'p50 13-20 ms, p95 21-57 ms' }],
  preview: [{ components: 0, text: 'p95 22-30 ms' }],
};

/** The issue's figure for `endpoint` at the size nearest to `components`. */
function issueBefore(endpoint: string, components: number): string {
  const figures = ISSUE_BEFORE[endpoint] ?? [];
  const nearest = [...figures].sort(
    (a, b) =>
      Math.abs(a.components - components) - Math.abs(b.components - components),
  )[0];
  if (!nearest) return 'no figure';
  return nearest.components && nearest.components !== components
    ? `at ${nearest.components.toLocaleString('en')}: ${nearest.text}`
    : nearest.text;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

function config(root: string) {
  return {
    backend: { baseUrl: 'http://localhost:7107' },
    permission: { enabled: true },
    imagePromotion: {
      registries: Object.fromEntries(
        ENVIRONMENTS.map(id => [
          id,
          { type: 'oci-layout', directory: join(root, id) },
        ]),
      ),
      pipelines: {
        default: {
          default: true,
          environments: ENVIRONMENTS.map(id => ({
            id,
            registry: id,
            repository: 'bench/{{ image }}',
            ...(id === 'qa' ? { currentTag: 'qa' } : {}),
            ...(id === 'prod' ? { policy: { approvals: 1 } } : {}),
          })),
        },
      },
      tracking: { initialDelay: '1h', frequency: '1h' },
    },
  };
}

async function permissionFeatures() {
  if (PERMISSIONS === 'mock') {
    return [
      mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
    ];
  }
  return [
    actorAuthServiceFactory,
    permissionsServiceFactory,
    import('@backstage/plugin-permission-backend'),
    import('@backstage/plugin-permission-backend-module-allow-all-policy'),
  ];
}

async function measure(
  components: number,
  db: Knex,
  root: string,
): Promise<Result[]> {
  let queries = 0;
  const onQuery = () => {
    queries += 1;
  };
  db.on('query', onQuery);
  const backend = await startTestBackend({
    features: [
      imagePromotionPlugin,
      mockServices.database.factory({ knex: db }),
      mockServices.rootConfig.factory({ data: config(root) }),
      catalogServiceMock.factory({
        entities: generatedEntities(0, components),
      }),
      ...(await permissionFeatures()),
    ],
  });
  const base = `http://localhost:${backend.server.port()}/api/image-promotion`;
  /** Every request has a deadline: a backend that hangs fails the benchmark instead of stalling it. */
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: USER, ...init.headers },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  const results: Result[] = [];
  try {
    const endpoints: Array<{
      name: string;
      request: (round: number) => Promise<Response>;
    }> = [
      {
        name: 'overview',
        request: () => call('/overview'),
      },
      {
        name: 'metrics',
        request: () => call('/metrics'),
      },
      {
        name: 'status',
        request: round =>
          call(
            `/entities/default/component/${
              generatedRef((round * 37) % components).split('/')[1]
            }/status`,
          ),
      },
      {
        name: 'preview',
        request: round => {
          const entityRef = generatedRef((round * 37) % components);
          return call('/promotions/preview', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              entityRef,
              targetEnvironment: 'staging',
              digest: fakeDigest(`${entityRef}#1`),
            }),
          });
        },
      },
    ];
    for (const endpoint of endpoints) {
      const times: number[] = [];
      const counts: number[] = [];
      const cpu: number[] = [];
      const statuses: Record<string, number> = {};
      let bytes = 0;
      // One untimed round warms caches and connections.
      await (await endpoint.request(ROUNDS)).arrayBuffer();
      const budgetEnds = Date.now() + MAX_SECONDS * 1000;
      for (let round = 0; round < ROUNDS; round++) {
        if (round >= 3 && Date.now() > budgetEnds) break;
        queries = 0;
        const cpuStarted = process.cpuUsage();
        const started = process.hrtime.bigint();
        const response = await endpoint.request(round);
        const body = await response.arrayBuffer();
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
        const used = process.cpuUsage(cpuStarted);
        cpu.push((used.user + used.system) / 1000);
        counts.push(queries);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        bytes = body.byteLength;
      }
      times.sort((a, b) => a - b);
      counts.sort((a, b) => a - b);
      cpu.sort((a, b) => a - b);
      const result: Result = {
        components,
        endpoint: endpoint.name,
        statuses,
        rounds: times.length,
        p50Ms: percentile(times, 0.5),
        p95Ms: percentile(times, 0.95),
        maxMs: times[times.length - 1],
        cpuMedianMs: percentile(cpu, 0.5),
        queriesMedian: percentile(counts, 0.5),
        queriesMax: counts[counts.length - 1],
        bytes,
      };
      results.push(result);
      console.log(`  ${format(result)}`);
    }
  } finally {
    await backend.stop();
    db.removeListener('query', onQuery);
  }
  return results;
}

function format(r: Result): string {
  const statuses = Object.entries(r.statuses)
    .map(([status, n]) => `${n}x${status}`)
    .join(' ');
  const ms = (v: number) => `${v.toFixed(1).padStart(8)} ms`;
  const cpu =
    r.cpuMedianMs === undefined
      ? '   n/a'
      : r.cpuMedianMs.toFixed(0).padStart(6);
  return [
    `${String(r.components).padStart(5)} ${r.endpoint.padEnd(8)}`,
    statuses.padEnd(8),
    `p50 ${ms(r.p50Ms)}  p95 ${ms(r.p95Ms)}  max ${ms(r.maxMs)}`,
    `CPU ${cpu} ms`,
    `SQL/request ${r.queriesMedian} (max ${r.queriesMax})`,
    `${(r.bytes / 1024).toFixed(0)} KiB`,
  ].join('  ');
}

function verdict(r: Result): string {
  const goal = goalMs(r.endpoint, r.components);
  if (goal === undefined) return 'no goal';
  const ok = Object.keys(r.statuses).every(s => s === '200');
  if (!ok) return `goal p95 < ${goal} ms NOT MET (errors)`;
  return `goal p95 < ${goal} ms ${r.p95Ms < goal ? 'met' : 'NOT MET'}`;
}

async function main() {
  console.log(
    `API benchmark on PostgreSQL: ${SIZES.join(' and ')} components x ${
      ENVIRONMENTS.length
    } environments, permissions: ${PERMISSIONS}, ${ROUNDS} rounds per endpoint`,
  );
  const root = await mkdtemp(join(tmpdir(), 'image-promotion-api-bench-'));
  const name = `image_promotion_api_bench_${randomUUID().slice(0, 8)}`;
  const admin = createKnex({ client: 'pg', connection: POSTGRES });
  await admin.raw('CREATE DATABASE ??', [name]);
  const url = new URL(POSTGRES);
  url.pathname = `/${name}`;
  const db = createKnex({ client: 'pg', connection: url.toString() });
  const results: Result[] = [];
  try {
    const database: DatabaseService = { getClient: async () => db };
    const stores = await createStores({ database });
    let seeded = 0;
    for (const size of SIZES) {
      const started = Date.now();
      await seedGeneratedComponents(stores, {
        from: seeded,
        count: size - seeded,
        environments: ENVIRONMENTS,
        history: true,
      });
      seeded = size;
      console.log(`seeded ${size} components in ${Date.now() - started} ms`);
      results.push(...(await measure(size, db, root)));
    }
  } finally {
    await db.destroy();
    await admin.raw('DROP DATABASE IF EXISTS ??', [name]);
    await admin.destroy();
    await rm(root, { recursive: true, force: true });
  }

  // Saved before printing, so a damaged baseline file costs no results.
  if (process.env.BENCH_SAVE) {
    await writeFile(
      process.env.BENCH_SAVE,
      `${JSON.stringify(
        { permissions: PERMISSIONS, date: new Date().toISOString(), results },
        null,
        2,
      )}\n`,
    );
  }
  const baseline: Array<{ label: string; results: Result[] }> = existsSync(
    BASELINE,
  )
    ? JSON.parse(await readFile(BASELINE, 'utf8')).runs ?? []
    : [];
  console.log('\nResults: this run, then the code before the change:');
  baseline.forEach((run, i) => console.log(`  before${i + 1}: ${run.label}`));
  for (const r of results) {
    console.log(`  now     ${format(r)}  ${verdict(r)}`);
    console.log(
      `  issue   ${String(r.components).padStart(5)} ${r.endpoint.padEnd(
        8,
      )} before the change: ${issueBefore(r.endpoint, r.components)}`,
    );
    baseline.forEach((run, i) => {
      const before = run.results?.find(
        b => b.components === r.components && b.endpoint === r.endpoint,
      );
      if (before) {
        console.log(`  before${i + 1} ${format(before)}  ${verdict(before)}`);
      }
    });
  }
  const judged = results.filter(
    r => goalMs(r.endpoint, r.components) !== undefined,
  );
  const met = judged.filter(r => verdict(r).endsWith(' met'));
  console.log(
    `\nGoals of issue 14: ${met.length} of ${judged.length} met${
      met.length < judged.length
        ? ` (not met: ${judged
            .filter(r => !met.includes(r))
            .map(r => `${r.endpoint} at ${r.components}`)
            .join(', ')})`
        : ''
    }`,
  );
}
main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
