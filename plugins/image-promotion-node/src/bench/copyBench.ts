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

// `yarn bench:copy`: our CLI against `skopeo copy`, side by side, on local
// registries. A benchmark, not a test: it prints numbers and fails only when
// a copy fails.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  createOciLayout,
  pushWithSkopeo,
  type ImageFixture,
} from '../testing/fixtures';
import type { TestRegistry } from '../testing/registry';
import { skopeoInspectRawDigest } from '../testing/skopeo';
import {
  formatSameRegistryFloor,
  formatStartup,
  measureSameRegistryFloor,
  measureStartup,
  SameRegistryFloor,
  STARTUP_RUNS,
} from './startup';

import {
  addBenchImages,
  addBigImage,
  benchRegistry,
  BIG_LAYER_MB,
  LAYER_MB,
  median,
  runTimed,
  STORAGE_ROOT,
  TIME,
  type TimedRun,
} from './measure';

// The benchmark always runs from the sources, never from a bundle.
// eslint-disable-next-line no-restricted-syntax
const PACKAGE_DIR = resolve(__dirname, '../..');
const CLI = resolve(PACKAGE_DIR, 'bin/image-promotion');
// Nine runs: the ratio in (a) sits near 1 and a 2-core machine is noisy; five medians swung by ±8 %.
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
function ours(
  source: string,
  target: string,
  insecure: string[],
  env?: NodeJS.ProcessEnv,
) {
  return runTimed(
    process.execPath,
    [
      CLI,
      'copy',
      source,
      target,
      '--json',
      ...insecure.flatMap(h => ['--insecure-registry', h]),
    ],
    env,
  );
}

function skopeo(source: string, target: string) {
  return runTimed('skopeo', [
    'copy',
    '--all',
    '--preserve-digests',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${source}`,
    `docker://${target}`,
  ]);
}

/**
 * The floor the registries set: every blob of `image` piped by curl from
 * the source into an upload session on the target, all blobs at once, no
 * verification, then the manifest. What a copier could at best achieve.
 */
function curlPipe(
  sourceHost: string,
  targetHost: string,
  repository: string,
  tag: string,
  image: ImageFixture,
) {
  const blobs = [image.config, ...image.layers.map(l => l.descriptor)];
  const script = [
    'set -eu',
    `S=http://${sourceHost}/v2/${repository}; T=http://${targetHost}/v2/${repository}`,
    'copy() {',
    // The Location of a new upload session, as an absolute URL.
    '  loc=$(curl -sSf -X POST -D - -o /dev/null "$T/blobs/uploads/" | tr -d "\r" | sed -n "s/^[Ll]ocation: //p")',
    `  case "$loc" in http*) ;; *) loc="http://${targetHost}$loc" ;; esac`,
    '  case "$loc" in *"?"*) sep="&" ;; *) sep="?" ;; esac',
    '  curl -sSf "$S/blobs/$1" | curl -sSf -X PUT -H "Content-Type: application/octet-stream" -H "Content-Length: $2" --data-binary @- -o /dev/null "$loc${sep}digest=$1"',
    '}',
    ...blobs.map(b => `copy ${b.digest} ${b.size} &`),
    'for job in $(jobs -p); do wait "$job"; done',
    `curl -sSf -H "Accept: ${image.manifest.mediaType}" "$S/manifests/${image.digest}" | curl -sSf -X PUT -H "Content-Type: ${image.manifest.mediaType}" --data-binary @- -o /dev/null "$T/manifests/${tag}"`,
  ].join('\n');
  return runTimed('bash', ['-c', script]);
}

/**
 * Runs one round of two measurements: ours first in even rounds, theirs first
 * in odd ones, so that drift in the machine's state during the benchmark
 * does not always favour the same tool.
 */
async function inTurn(
  round: number,
  oursRun: () => Promise<void>,
  theirsRun: () => Promise<void>,
): Promise<void> {
  if (round % 2 === 0) {
    await oursRun();
    await theirsRun();
  } else {
    await theirsRun();
    await oursRun();
  }
}

interface CaseResult {
  name: string;
  ours: number[];
  /** Time inside the engine (CopyResult.durationMs), without process start-up. */
  engine: number[];
  skopeo: number[];
  /** CPU (user + system) of each tool's process, where measured. */
  oursCpu: number[];
  skopeoCpu: number[];
}

/** A case with no runs yet. */
function newCase(name: string): CaseResult {
  return { name, ours: [], engine: [], skopeo: [], oursCpu: [], skopeoCpu: [] };
}

/** Records one run of our CLI in a case; returns the digest it printed. */
function recordOurs(result: CaseResult, output: TimedRun): string {
  const parsed = parseOurs(output);
  result.ours.push(output.seconds);
  result.engine.push(parsed.seconds);
  if (output.cpuSeconds !== undefined) result.oursCpu.push(output.cpuSeconds);
  return parsed.digest;
}

/** Records one run of skopeo in a case. */
function recordSkopeo(result: CaseResult, output: TimedRun): void {
  result.skopeo.push(output.seconds);
  if (output.cpuSeconds !== undefined) result.skopeoCpu.push(output.cpuSeconds);
}

/** The digest and engine time from our CLI's --json line. */
function parseOurs(output: TimedRun): { digest: string; seconds: number } {
  const result = JSON.parse(output.stdout.trim().split('\n').pop() ?? '{}');
  return { digest: result.digest, seconds: result.durationMs / 1000 };
}

async function main() {
  for (const tool of ['skopeo', 'docker-registry']) {
    if (spawnSync('which', [tool]).status !== 0) {
      throw new Error(
        `${tool} is not installed; run: apt-get install skopeo docker-registry`,
      );
    }
  }
  // Always measure the bundle a pipeline would run, built from the current sources.
  {
    console.log('building the CLI bundle (dist-cli/image-promotion.cjs) ...');
    const build = spawnSync('yarn', ['build:cli'], {
      cwd: PACKAGE_DIR,
      stdio: 'inherit',
    });
    if (build.status !== 0) throw new Error('yarn build:cli failed');
  }
  // Start-up depends on the Node.js build far more than on our code: the
  // Debian package of Node 20 runs ~3x the instructions of the official
  // Node 22 for a same-registry copy. Say which one ran.
  const major = Number(process.versions.node.split('.')[0]);
  console.log(`node: ${process.execPath} ${process.version}`);
  if (major !== 22 && major !== 24) {
    console.log(
      `  warning: the project runs on Node 22 or 24; numbers from ${process.version} are not comparable (eval "$(scripts/run env)" puts Node 22 first on the PATH)`,
    );
  }
  console.log(
    `cpu: ${
      TIME
        ? 'user + system of each process, from /usr/bin/time'
        : 'not measured (no /usr/bin/time)'
    }`,
  );
  console.log(`measuring start-up (${STARTUP_RUNS} runs each) ...`);
  const startup = await measureStartup(CLI);
  console.log(formatStartup(startup));

  console.log(
    `preparing fixtures: 10 x ${LAYER_MB} MB image, a version sharing 9 of its layers, one ${BIG_LAYER_MB} MB layer ...`,
  );
  const layout = await createOciLayout();
  const { v1, v2 } = await addBenchImages(layout);
  const big = await addBigImage(layout);

  console.log(`registry storage under ${STORAGE_ROOT}`);
  const source = await benchRegistry();
  let target: TestRegistry | undefined;
  const freshTarget = async () => {
    await target?.stop();
    target = await benchRegistry();
    return target;
  };
  const results: CaseResult[] = [];
  /** (a) by parallel curl pipes: the floor the registries set. */
  const floor: number[] = [];
  const hasCurl = spawnSync('which', ['curl']).status === 0;
  let rssKb = 0;
  const sameRegistryFloors: SameRegistryFloor[] = [];
  let bigSeconds = 0;
  try {
    await pushWithSkopeo(layout.dir, 'v1', `${source.host}/bench/app:v1`);
    await pushWithSkopeo(layout.dir, 'v2', `${source.host}/bench/app:v2`);
    await pushWithSkopeo(layout.dir, 'big', `${source.host}/bench/big:1`, {
      timeoutMs: 600_000,
    });

    const checkDigest = async (ref: string, digest: string) => {
      const actual = await skopeoInspectRawDigest(ref);
      if (actual !== digest) {
        throw new Error(`${ref} holds ${actual}, expected ${digest}`);
      }
    };

    // (a) cross-registry, fresh target storage before every run
    const a = newCase(`(a) cross-registry, 10 layers, ${10 * LAYER_MB} MB`);
    /** Our CLI once into a fresh target, recorded in `into` unless it is the warm-up. */
    const measureOurs = async (into: CaseResult) => {
      const t = await freshTarget();
      const r = await ours(
        `${source.host}/bench/app:v1`,
        `${t.host}/bench/app:v1`,
        [source.host, t.host],
      );
      const digest = recordOurs(into, r);
      if (digest !== v1.digest) {
        throw new Error(`our CLI printed ${r.stdout}, expected ${v1.digest}`);
      }
      if (into !== a) await checkDigest(`${t.host}/bench/app:v1`, v1.digest);
    };
    const measureSkopeo = async (into: CaseResult) => {
      const t = await freshTarget();
      recordSkopeo(
        into,
        await skopeo(`${source.host}/bench/app:v1`, `${t.host}/bench/app:v1`),
      );
    };
    const measureFloor = async (check: boolean) => {
      const t = await freshTarget();
      const r = await curlPipe(source.host, t.host, 'bench/app', 'v1', v1);
      if (check) await checkDigest(`${t.host}/bench/app:v1`, v1.digest);
      return r.seconds;
    };
    // One untimed round first: the first reads of freshly pushed blobs are
    // slower, and whichever tool went first would pay for them.
    const warmUp = newCase('warm-up');
    await measureOurs(warmUp);
    await measureSkopeo(warmUp);
    if (hasCurl) await measureFloor(true);
    for (let i = 0; i < RUNS; i++) {
      await inTurn(
        i,
        () => measureOurs(a),
        () => measureSkopeo(a),
      );
      if (hasCurl) floor.push(await measureFloor(false));
    }
    results.push(a);

    // (b) same-registry promotion into another repository: blobs are mounted,
    // not moved, so the time must not depend on the image's size; measured
    // for the 10-layer image and for the one with a single big layer.
    const sameRegistry = async (
      name: string,
      repo: string,
      digest: string,
    ): Promise<CaseResult> => {
      const result = newCase(name);
      for (let i = 0; i < RUNS; i++) {
        await inTurn(
          i,
          async () => {
            const r = await ours(
              `${source.host}/bench/${repo}`,
              `${source.host}/prod-ours-${i}/${repo}`,
              [source.host],
            );
            if (i === 0)
              await checkDigest(
                `${source.host}/prod-ours-${i}/${repo}`,
                digest,
              );
            recordOurs(result, r);
          },
          async () => {
            const r = await skopeo(
              `${source.host}/bench/${repo}`,
              `${source.host}/prod-skopeo-${i}/${repo}`,
            );
            recordSkopeo(result, r);
          },
        );
      }
      return result;
    };
    results.push(
      await sameRegistry(
        `(b) same registry, another repository, 10 layers, ${10 * LAYER_MB} MB`,
        'app:v1',
        v1.digest,
      ),
      await sameRegistry(
        `(b) same registry, another repository, 1 layer, ${BIG_LAYER_MB} MB`,
        'big:1',
        big.digest,
      ),
    );

    // What any Node.js program would take for (b): the same requests from a
    // plain script, against skopeo in the same rounds.
    sameRegistryFloors.push(
      await measureSameRegistryFloor(
        runTimed,
        `(b) ${10 * LAYER_MB} MB, 10 layers`,
        source.host,
        'app',
        'v1',
        RUNS,
        skopeo,
      ),
      await measureSameRegistryFloor(
        runTimed,
        `(b) ${BIG_LAYER_MB} MB, 1 layer`,
        source.host,
        'big',
        '1',
        RUNS,
        skopeo,
      ),
    );

    // (c) a new version sharing 9 of 10 layers with one the target has
    const c = newCase('(c) new version, 9 of 10 layers already in target');
    /** A fresh target that already holds v1, the version v2 builds on. */
    const targetWithV1 = async () => {
      const t = await freshTarget();
      await pushWithSkopeo(layout.dir, 'v1', `${t.host}/bench/app:v1`);
      return t;
    };
    for (let i = 0; i < RUNS; i++) {
      await inTurn(
        i,
        async () => {
          const t = await targetWithV1();
          const r = await ours(
            `${source.host}/bench/app:v2`,
            `${t.host}/bench/app:v2`,
            [source.host, t.host],
          );
          if (i === 0) await checkDigest(`${t.host}/bench/app:v2`, v2.digest);
          recordOurs(c, r);
        },
        async () => {
          const t = await targetWithV1();
          const r = await skopeo(
            `${source.host}/bench/app:v2`,
            `${t.host}/bench/app:v2`,
          );
          recordSkopeo(c, r);
        },
      );
    }
    results.push(c);

    // peak RSS of our process copying one big layer
    const t = await freshTarget();
    const rss = await ours(
      `${source.host}/bench/big:1`,
      `${t.host}/bench/big:1`,
      [source.host, t.host],
      { ...process.env, IMAGE_PROMOTION_REPORT_MAX_RSS: '1' },
    );
    await checkDigest(`${t.host}/bench/big:1`, big.digest);
    rssKb = Number(/max-rss-kb (\d+)/.exec(rss.stderr)?.[1] ?? 0);
    bigSeconds = rss.seconds;
  } finally {
    await target?.stop();
    await source.stop();
    await layout.cleanup();
  }

  const cpuCell = (mine: number[], theirs: number[]) =>
    mine.length && theirs.length
      ? `${median(mine).toFixed(2)} s / ${median(theirs).toFixed(2)} s`
      : 'n/a';
  const rows = results.map(r => {
    const o = median(r.ours);
    const s = median(r.skopeo);
    return `| ${r.name} | ${o.toFixed(3)} s | ${median(r.engine).toFixed(
      3,
    )} s | ${s.toFixed(3)} s | ${(o / s).toFixed(2)} | ${cpuCell(
      r.oursCpu,
      r.skopeoCpu,
    )} | ${r.ours.length} + ${r.skopeo.length} |`;
  });
  const table = [
    '| case | image-promotion CLI (median) | of which in the engine | skopeo copy (median) | ratio CLI/skopeo | CPU CLI / skopeo (median) | runs |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    `| peak RSS copying one ${BIG_LAYER_MB} MB layer | ${(rssKb / 1024).toFixed(
      0,
    )} MiB (${bigSeconds.toFixed(1)} s) | | | | | 1 |`,
  ].join('\n');
  console.log(`\n${table}\n`);
  console.log(
    `start-up, ${
      process.version
    } (medians of ${STARTUP_RUNS}):\n${formatStartup(startup)}\n`,
  );
  console.log(
    `floor for (b), a plain Node.js script making the least requests (GET manifest, mounts, PUT manifest; no checks):\n${sameRegistryFloors
      .map(formatSameRegistryFloor)
      .join('\n')}\n`,
  );
  if (floor.length) {
    const a = median(results[0].ours);
    console.log(
      `floor for (a), parallel curl GET→PUT pipes without verification: ${median(
        floor,
      ).toFixed(3)} s (median of ${floor.length}); CLI/floor ${(
        a / median(floor)
      ).toFixed(2)}\n`,
    );
  } else {
    console.log('curl is not installed: no floor measured for (a)\n');
  }
  const reportDir = resolve(PACKAGE_DIR, '../../bench-report');
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(
    resolve(reportDir, 'copy.json'),
    JSON.stringify(
      {
        node: process.version,
        startup: Object.fromEntries(
          Object.entries(startup).map(([name, r]) => [
            name,
            r.map(x => ({ seconds: x.seconds, cpuSeconds: x.cpuSeconds })),
          ]),
        ),
        results,
        floor,
        sameRegistryFloors,
        rssKb,
        bigSeconds,
        table,
      },
      null,
      2,
    ),
  );
  console.log(`raw numbers: ${resolve(reportDir, 'copy.json')}`);
}

main().catch(error => {
  console.error(`bench:copy failed: ${error.stack ?? error}`);
  process.exit(1);
});
