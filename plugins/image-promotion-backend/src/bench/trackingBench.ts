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

// Tracking throughput: component-environments refreshed per second against
// local docker-registry processes. A benchmark, not a test: it prints numbers.
//
//   node --require @backstage/cli/config/nodeTransform.cjs src/bench/trackingBench.ts
//
// BENCH_COMPONENTS (default 1000), BENCH_CONCURRENCY (tracking.concurrency,
// default 8), BENCH_POSTGRES (a connection string such as
// postgresql://postgres@127.0.0.1:5432; also measures on PostgreSQL),
// BENCH_SKIP_SQLITE=1 (PostgreSQL only).

import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type {
  DatabaseService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { copyImage } from '@image-promotion/plugin-image-promotion-node';
import { knex as createKnex, Knex } from 'knex';
import { readImagePromotionConfig } from '../config';
import { createStores } from '../database';
import { RegistryAccess } from '../registry/RegistryAccess';
import { mapWithConcurrency } from '../tracking/concurrency';
import { Tracker } from '../tracking/Tracker';
// The engine's test harness is no entry point of its package yet (see
// __testUtils__/harness.ts); the benchmark runs from the sources only.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import {
  createOciLayout,
  pushWithSkopeo,
  startRegistry,
  TestRegistry,
} from '../../../image-promotion-node/src/testing';

const COMPONENTS = Number(process.env.BENCH_COMPONENTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ENVIRONMENTS = ['dev', 'qa', 'staging', 'prod'];
/** Tags per repository: two version tags and the environment's current tag. */
const VERSION_TAGS = ['1.0.0', '1.0.1'];
/** Numbers the versions the runs with changes push. */
let runCounter = 0;

const quietLogger: LoggerService = {
  error: message => console.error(message),
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => quietLogger,
};

function imageName(i: number) {
  return `svc-${String(i).padStart(4, '0')}`;
}

function buildConfig(registries: Map<string, TestRegistry>) {
  return readImagePromotionConfig(
    new ConfigReader({
      imagePromotion: {
        registries: Object.fromEntries(
          ENVIRONMENTS.map(id => [
            id,
            {
              type: 'registry',
              url: `http://${registries.get(id)!.host}`,
              insecure: true,
            },
          ]),
        ),
        pipelines: {
          default: {
            environments: ENVIRONMENTS.map(id => ({
              id,
              registry: id,
              repository: 'bench/{{ image }}',
              currentTag: id,
            })),
          },
        },
        tracking: { concurrency: CONCURRENCY },
      },
    }),
  );
}

/** Fills every environment with one image per component, by cross-repository mounts. */
async function populate(
  registries: Map<string, TestRegistry>,
  access: RegistryAccess,
) {
  const layout = await createOciLayout();
  try {
    const image = await layout.addImage({ tag: 'seed', layerSize: 16 * 1024 });
    for (const [id, registry] of registries) {
      await pushWithSkopeo(layout.dir, 'seed', `${registry.host}/seed:1.0.0`);
      const seed = access.client.repository(registry.host, 'seed');
      const manifest = await seed.getManifest(image.digest);
      const started = Date.now();
      await mapWithConcurrency(
        Array.from({ length: COMPONENTS }, (_, i) => imageName(i)),
        32,
        async name => {
          const target = access.client.repository(
            registry.host,
            `bench/${name}`,
          );
          await copyImage(seed, image.digest, target, VERSION_TAGS[0], {
            referrers: false,
          });
          for (const tag of [...VERSION_TAGS.slice(1), id]) {
            await target.putManifest(
              tag,
              manifest.bytes,
              manifest.descriptor.mediaType,
            );
          }
        },
      );
      console.log(
        `  ${id}: ${COMPONENTS} repositories filled in ${
          Date.now() - started
        } ms`,
      );
    }
  } finally {
    await layout.cleanup();
  }
}

function entities(): Entity[] {
  return Array.from({ length: COMPONENTS }, (_, i) => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: imageName(i),
      namespace: 'default',
      annotations: { 'image-promotion.io/image': imageName(i) },
    },
    spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
  }));
}

/** CI pushes a new version into dev of every component: a run with changes. */
async function pushNewVersion(
  registries: Map<string, TestRegistry>,
  access: RegistryAccess,
  tag: string,
) {
  const dev = registries.get('dev')!;
  await mapWithConcurrency(
    Array.from({ length: COMPONENTS }, (_, i) => imageName(i)),
    32,
    async name => {
      const repository = access.client.repository(dev.host, `bench/${name}`);
      const manifest = await repository.getManifest(VERSION_TAGS[0]);
      await repository.putManifest(
        tag,
        manifest.bytes,
        manifest.descriptor.mediaType,
      );
    },
  );
}

/** CPU seconds (user + system) of the processes whose command line names `marker`. */
function processCpuSeconds(markers: string[]): number {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of readdirSync('/proc').filter(p => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!markers.some(m => cmdline.includes(m))) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name in parentheses: utime is the 14th, stime the 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / ticks;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** Busy CPU seconds of the whole machine, all cores. */
function machineCpuSeconds(): number {
  const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
  const [user, nice, system, , , irq, softirq, steal] = cpu
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** Where a run's time goes: whose CPU, the SQL writes, the event loop. */
class RunProfile {
  private backend = process.cpuUsage();
  private registries = 0;
  private machine = 0;
  private readonly loop = monitorEventLoopDelay({ resolution: 10 });
  /** Summed wall time of the store's write calls, and how many. */
  writes = { seconds: 0, calls: 0 };
  private started = 0;
  /** When the run's tracking errors were stored: each registry's end (the whole run's before). */
  private finished: number[] = [];

  constructor(private readonly markers: string[]) {}

  start() {
    this.backend = process.cpuUsage();
    this.registries = processCpuSeconds(this.markers);
    this.machine = machineCpuSeconds();
    this.writes = { seconds: 0, calls: 0 };
    this.finished = [];
    this.started = Date.now();
    this.loop.reset();
    this.loop.enable();
  }

  report(wallSeconds: number): string {
    this.loop.disable();
    const used = process.cpuUsage(this.backend);
    const backend = (used.user + used.system) / 1e6;
    const registries = processCpuSeconds(this.markers) - this.registries;
    const machine = machineCpuSeconds() - this.machine;
    const rest = Math.max(0, machine - backend - registries);
    const done = this.finished
      .map(t => ((t - this.started) / 1000).toFixed(1))
      .join(', ');
    return `registries done at ${done} s; CPU: backend ${backend.toFixed(
      1,
    )} s, registries ${registries.toFixed(
      1,
    )} s, rest (database, other work) ${rest.toFixed(1)} s of ${(
      wallSeconds * cpus().length
    ).toFixed(1)} core-s; store writes ${
      this.writes.calls
    } calls, ${this.writes.seconds.toFixed(
      1,
    )} s summed; event loop delay p99 ${(
      this.loop.percentile(99) / 1e6
    ).toFixed(0)} ms, max ${(this.loop.max / 1e6).toFixed(0)} ms`;
  }

  /** Times every call of `method` on `target` as a store write. */
  timeWrites<T extends object>(
    target: T,
    method: keyof T,
    options: { marksEnd?: boolean } = {},
  ) {
    // The code before this change had no batch write.
    if (typeof target[method] !== 'function') return;
    const original = (
      target[method] as (...args: unknown[]) => Promise<unknown>
    ).bind(target);
    (target as Record<keyof T, unknown>)[method] = async (
      ...args: unknown[]
    ) => {
      const started = process.hrtime.bigint();
      try {
        return await original(...args);
      } finally {
        this.writes.calls += 1;
        if (options.marksEnd) this.finished.push(Date.now());
        this.writes.seconds += Number(process.hrtime.bigint() - started) / 1e9;
      }
    };
  }
}

async function measure(
  label: string,
  db: Knex,
  config: ReturnType<typeof buildConfig>,
  access: RegistryAccess,
  registries: Map<string, TestRegistry>,
) {
  const database: DatabaseService = { getClient: async () => db };
  const stores = await createStores({ database });
  const profile = new RunProfile(
    [...registries.values()].map(r => dirname(r.storageDir)),
  );
  profile.timeWrites(stores.tags, 'applyTagSnapshot');
  profile.timeWrites(stores.tags, 'applyTagSnapshots');
  profile.timeWrites(stores.tags, 'touchTaggedVersions');
  profile.timeWrites(stores.trackingErrors, 'record', { marksEnd: true });
  const list = entities();
  const tracker = new Tracker({
    stores,
    config,
    access,
    components: { listAnnotatedEntities: async () => list },
    logger: quietLogger,
    // As the plugin wires it: each run stores or clears tracking errors.
    trackingErrors: stores.trackingErrors,
  });
  const runs = [
    { run: 'first run (all new)' },
    { run: 'unchanged run' },
    {
      run: 'run with changes (a new tag in every dev repository)',
      before: () => pushNewVersion(registries, access, `2.0.${runCounter++}`),
    },
    { run: 'unchanged run' },
  ];
  const measured: Array<{ seconds: number; requests: number }> = [];
  for (const { run, before } of runs) {
    await before?.();
    profile.start();
    const started = process.hrtime.bigint();
    const results = await tracker.refreshAll();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const pairs = results.reduce((n, r) => n + r.environments.length, 0);
    const failed = results.reduce(
      (n, r) => n + r.environments.filter(e => e.error).length,
      0,
    );
    const tags = results.reduce(
      (n, r) => n + r.environments.reduce((m, e) => m + e.tags, 0),
      0,
    );
    const requests = results.reduce(
      (n, r) => n + r.environments.reduce((m, e) => m + e.requests, 0),
      0,
    );
    console.log(
      `  ${label}, ${run}: ${pairs} component-environments (${tags} tags, ${failed} failed) in ${seconds.toFixed(
        2,
      )} s = ${(pairs / seconds).toFixed(
        0,
      )} component-environments/s, ${requests} registry requests`,
    );
    console.log(`    ${profile.report(seconds)}`);
    measured.push({ seconds, requests });
  }
  printGoals(label, measured);
}

/**
 * The figures for the code before incremental tracking (1,000 x 4,
 * quieter machine): every run, changed or not, took this long and made
 * 16,000 registry requests.
 */
const BEFORE = {
  SQLite: { seconds: '26-28', low: 26 },
  PostgreSQL: { seconds: '31-35', low: 31 },
} as const;
const BEFORE_REQUESTS = 16_000;

/** The goals of issue 14 beside the figures before (meaningful at 1,000 components). */
function printGoals(
  label: string,
  [, unchanged, changed]: Array<{ seconds: number; requests: number }>,
) {
  const before = BEFORE[label as keyof typeof BEFORE];
  // The figures before are of 1,000 components; other sizes compare to nothing.
  if (COMPONENTS !== 1000 || !before || !unchanged || !changed) return;
  const met = (ok: boolean) => (ok ? 'met' : 'NOT MET');
  const requestRatio = BEFORE_REQUESTS / unchanged.requests;
  const timeRatio = before.low / unchanged.seconds;
  console.log(
    `  ${label} goal: unchanged run >= 3x cheaper than before (${
      before.seconds
    } s, ${BEFORE_REQUESTS} requests): requests ${requestRatio.toFixed(
      1,
    )}x ${met(requestRatio >= 3)}, time ${timeRatio.toFixed(1)}x ${met(
      timeRatio >= 3,
    )}`,
  );
  if (label === 'PostgreSQL') {
    console.log(
      `  ${label} goal: run with changes < 10 s (before ${
        before.seconds
      } s): ${changed.seconds.toFixed(2)} s ${met(changed.seconds < 10)}`,
    );
  }
}

async function main() {
  console.log(
    `Tracking benchmark: ${COMPONENTS} components x ${
      ENVIRONMENTS.length
    } environments, ${
      VERSION_TAGS.length + 1
    } tags each, tracking.concurrency ${CONCURRENCY}`,
  );
  const registries = new Map<string, TestRegistry>();
  const cleanups: Array<() => Promise<void>> = [];
  try {
    for (const id of ENVIRONMENTS) {
      const registry = await startRegistry();
      registries.set(id, registry);
      cleanups.push(() => registry.stop());
    }
    const config = buildConfig(registries);
    const access = new RegistryAccess(config);
    await populate(registries, access);

    const sqlite = createKnex({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
      pool: { min: 1, max: 1 },
    });
    cleanups.push(() => sqlite.destroy());
    if (process.env.BENCH_SKIP_SQLITE !== '1') {
      await measure('SQLite', sqlite, config, access, registries);
    }

    const postgres = process.env.BENCH_POSTGRES;
    if (postgres) {
      const name = `image_promotion_bench_${randomUUID().slice(0, 8)}`;
      const admin = createKnex({ client: 'pg', connection: postgres });
      cleanups.push(async () => {
        await admin.raw('DROP DATABASE IF EXISTS ??', [name]);
        await admin.destroy();
      });
      await admin.raw('CREATE DATABASE ??', [name]);
      const url = new URL(postgres);
      url.pathname = `/${name}`;
      const pg = createKnex({ client: 'pg', connection: url.toString() });
      cleanups.push(() => pg.destroy());
      await measure('PostgreSQL', pg, config, access, registries);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch(error => console.error(error));
    }
  }
}

main().catch(error => {
  console.error(error);
  process.exitCode = 1;
});
