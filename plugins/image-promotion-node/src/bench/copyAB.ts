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

// `yarn bench:copy:ab`: two (or more) builds of our CLI and skopeo, copying
// the images of `yarn bench:copy`'s cases (a), (b) and (c), taking turns within
// every round. Runs of the whole benchmark one after the other differ by
// ±20 % on a shared 2-core machine, more than the changes one wants to see;
// measured in the same rounds, against the same registries, the builds see
// the same machine. A benchmark, not a test: it prints numbers and fails only
// when a copy fails.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createOciLayout, pushWithSkopeo } from '../testing/fixtures';
import type { TestRegistry } from '../testing/registry';

import {
  addBenchImages,
  addBigImage,
  benchRegistry,
  BIG_LAYER_MB,
  LAYER_MB,
  median,
  runTimed,
} from './measure';

// The benchmark always runs from the sources, never from a bundle.
// eslint-disable-next-line no-restricted-syntax
const PACKAGE_DIR = resolve(__dirname, '../..');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
type CaseName = 'a' | 'b' | 'c';
const CASE_TITLES: Record<CaseName, string> = {
  a: `(a) cross-registry, 10 layers, ${10 * LAYER_MB} MB`,
  b: `(b) same registry, another repository, 1 layer, ${BIG_LAYER_MB} MB`,
  c: '(c) new version, 9 of 10 layers already in target',
};

/**
 * The builds to compare, from `BENCH_AB=name=path,name=path` (each path a
 * `bin/image-promotion`); by default this checkout's CLI alone.
 */
function buildsToCompare(): Array<{ name: string; cli: string }> {
  const spec = process.env.BENCH_AB;
  if (!spec) {
    return [{ name: 'this', cli: resolve(PACKAGE_DIR, 'bin/image-promotion') }];
  }
  return spec.split(',').map(entry => {
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      throw new Error(
        `BENCH_AB entry "${entry}" is not name=path/to/bin/image-promotion`,
      );
    }
    const cli = resolve(entry.slice(eq + 1));
    if (!existsSync(cli)) throw new Error(`BENCH_AB: ${cli} does not exist`);
    return { name: entry.slice(0, eq), cli };
  });
}

function casesToRun(): CaseName[] {
  const names = (process.env.BENCH_AB_CASES ?? 'a,c').split(',');
  for (const name of names) {
    if (!(name in CASE_TITLES)) {
      throw new Error(`BENCH_AB_CASES: unknown case "${name}" (a, b, c)`);
    }
  }
  return names as CaseName[];
}

interface Series {
  wall: number[];
  engine: number[];
  cpu: number[];
}

async function main() {
  for (const tool of ['skopeo', 'docker-registry']) {
    if (spawnSync('which', [tool]).status !== 0) {
      throw new Error(
        `${tool} is not installed; run: apt-get install skopeo docker-registry`,
      );
    }
  }
  const builds = buildsToCompare();
  const cases = casesToRun();
  // This checkout's bundle is built from its sources, as in bench:copy;
  // other checkouts' bundles are used as they are.
  console.log('building the CLI bundle (dist-cli/image-promotion.cjs) ...');
  const bundling = spawnSync('yarn', ['build:cli'], {
    cwd: PACKAGE_DIR,
    stdio: 'inherit',
  });
  if (bundling.status !== 0) throw new Error('yarn build:cli failed');
  console.log(`node: ${process.execPath} ${process.version}`);
  for (const b of builds) console.log(`${b.name}: ${b.cli}`);

  const layout = await createOciLayout();
  // (b) moves no bytes, so its image is only built when (b) is measured.
  const { v1, v2 } = await addBenchImages(layout);
  const big = cases.includes('b') ? await addBigImage(layout) : undefined;
  const expected: Record<CaseName, string | undefined> = {
    a: v1.digest,
    b: big?.digest,
    c: v2.digest,
  };
  const source = await benchRegistry();
  let promotions = 0;
  let target: TestRegistry | undefined;
  const tools = [...builds.map(b => b.name), 'skopeo'];
  const series = new Map<string, Series>();
  const seriesOf = (c: CaseName, tool: string) => {
    const key = `${c} ${tool}`;
    let s = series.get(key);
    if (!s) {
      s = { wall: [], engine: [], cpu: [] };
      series.set(key, s);
    }
    return s;
  };

  /** One copy of case `c` by `tool` into fresh target storage. */
  const copyOnce = async (c: CaseName, tool: string, record: boolean) => {
    let from: string;
    let to: string;
    let insecure: string[];
    if (c === 'b') {
      // Same registry, a repository nobody wrote before: every blob mounts.
      promotions++;
      from = `${source.host}/bench/big:1`;
      to = `${source.host}/prod-${promotions}/big:1`;
      insecure = [source.host];
    } else {
      await target?.stop();
      target = await benchRegistry();
      // (c): the target already holds the version the new one builds on.
      if (c === 'c') {
        await pushWithSkopeo(layout.dir, 'v1', `${target.host}/bench/app:v1`);
      }
      const tag = c === 'a' ? 'v1' : 'v2';
      from = `${source.host}/bench/app:${tag}`;
      to = `${target.host}/bench/app:${tag}`;
      insecure = [source.host, target.host];
    }
    const build = builds.find(b => b.name === tool);
    const measured = build
      ? await runTimed(process.execPath, [
          build.cli,
          'copy',
          from,
          to,
          '--json',
          ...insecure.flatMap(host => ['--insecure-registry', host]),
        ])
      : await runTimed('skopeo', [
          'copy',
          '--all',
          '--preserve-digests',
          '--src-tls-verify=false',
          '--dest-tls-verify=false',
          `docker://${from}`,
          `docker://${to}`,
        ]);
    if (!record) return;
    const s = seriesOf(c, tool);
    s.wall.push(measured.seconds);
    if (measured.cpuSeconds !== undefined) s.cpu.push(measured.cpuSeconds);
    if (build) {
      const result = JSON.parse(measured.stdout.trim().split('\n').pop()!);
      if (result.digest !== expected[c]) {
        throw new Error(
          `${tool} copied ${result.digest}, expected ${expected[c]}`,
        );
      }
      s.engine.push(result.durationMs / 1000);
    }
  };

  try {
    await pushWithSkopeo(layout.dir, 'v1', `${source.host}/bench/app:v1`);
    await pushWithSkopeo(layout.dir, 'v2', `${source.host}/bench/app:v2`);
    if (big) {
      await pushWithSkopeo(layout.dir, 'big', `${source.host}/bench/big:1`);
    }
    // One untimed round: the first reads of freshly pushed blobs are slower.
    for (const c of cases)
      for (const tool of tools) await copyOnce(c, tool, false);
    for (let round = 0; round < RUNS; round++) {
      // Who goes first rotates, so no tool always follows the same one.
      const shift = round % tools.length;
      const order = [...tools.slice(shift), ...tools.slice(0, shift)];
      for (const c of cases) {
        for (const tool of order) await copyOnce(c, tool, true);
      }
      process.stdout.write(`round ${round + 1}/${RUNS} done\n`);
    }
  } finally {
    await target?.stop();
    await source.stop();
    await layout.cleanup();
  }

  const rows: string[] = [];
  for (const c of cases) {
    const skopeo = median(seriesOf(c, 'skopeo').wall);
    for (const tool of tools) {
      const s = seriesOf(c, tool);
      const wall = median(s.wall);
      const cell = (values: number[]) =>
        values.length ? `${median(values).toFixed(3)} s` : '';
      rows.push(
        `| ${CASE_TITLES[c]} | ${tool} | ${wall.toFixed(3)} s | ${cell(
          s.engine,
        )} | ${cell(s.cpu)} | ${(wall / skopeo).toFixed(2)} | ${Math.min(
          ...s.wall,
        ).toFixed(3)} s |`,
      );
    }
  }
  console.log(
    [
      '',
      `medians of ${RUNS} rounds; in each round every tool copies once, in turn`,
      '| case | tool | wall | of which in the engine | CPU | ratio to skopeo | fastest wall |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch(error => {
  console.error(`bench:copy:ab failed: ${error.stack ?? error}`);
  process.exit(1);
});
