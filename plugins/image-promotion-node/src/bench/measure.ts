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

// What the copy benchmarks share: their images and sizes, where registry
// storage lives, timed process runs with a deadline, and medians.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { OciLayoutFixture } from '../testing/fixtures';
import { startRegistry, type TestRegistry } from '../testing/registry';

/** Size of each of the 10 layers of the benchmark's image, in MB. */
export const LAYER_MB = Number(process.env.BENCH_LAYER_MB ?? 20);
/** Size of the one layer of the big image of case (b), in MB. */
export const BIG_LAYER_MB = Number(process.env.BENCH_BIG_LAYER_MB ?? 1000);
const MB = 1000 * 1000;

/** The benchmark's image `v1` (10 layers) and `v2`, a new version sharing 9 of them, in `layout`. */
export async function addBenchImages(layout: OciLayoutFixture) {
  const v1 = await layout.addImage({
    layers: 10,
    layerSize: LAYER_MB * MB,
    tag: 'v1',
  });
  const v2 = await layout.addImage({
    layers: 10,
    layerSize: LAYER_MB * MB,
    reuseLayers: v1.layers.slice(0, 9),
    tag: 'v2',
  });
  return { v1, v2 };
}

/** The big image of case (b), `big` in `layout`: one layer, uncompressed so that building it is quick. */
export function addBigImage(layout: OciLayoutFixture) {
  return layout.addImage({
    layers: 1,
    layerSize: BIG_LAYER_MB * MB,
    compressionLevel: 0,
    tag: 'big',
  });
}

/**
 * Registry storage lives in memory (tmpfs) where the machine has it: the
 * benchmark compares the copying tools, and the disk write-back of one run's
 * 200 MB would otherwise land in the time of the runs after it.
 */
export const STORAGE_ROOT =
  process.env.BENCH_STORAGE_ROOT ??
  (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

/** A registry on fresh storage under STORAGE_ROOT; stopping it removes the storage. */
export function benchRegistry(): Promise<TestRegistry> {
  return startRegistry({ tempRoot: STORAGE_ROOT });
}

/**
 * How long one timed command may take before the benchmark gives up on it
 * (BENCH_COMMAND_TIMEOUT_MS, default 10 minutes: a 1 GB copy on a slow
 * machine fits; a copy that hangs fails the benchmark instead of stalling it).
 */
const COMMAND_TIMEOUT_MS = Number(
  process.env.BENCH_COMMAND_TIMEOUT_MS ?? 600_000,
);

/** One timed process run. */
export interface TimedRun {
  seconds: number;
  /** User + system CPU of the process (10 ms resolution), when /usr/bin/time is there. */
  cpuSeconds?: number;
  stdout: string;
  stderr: string;
}

/**
 * GNU time reports a child's CPU; on a loaded machine that moves far less
 * than the wall clock does, so the benchmarks print both.
 */
export const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const CPU_LINE = /^bench-cpu ([\d.]+) ([\d.]+)$/m;

/** Runs a command to completion, timing its wall clock (and its CPU where GNU time is there). */
export function runTimed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<TimedRun> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const [file, argv] = TIME
      ? [TIME, ['-f', 'bench-cpu %U %S', command, ...args]]
      : [command, args];
    const child = spawn(file, argv, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: COMMAND_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) {
        const why =
          signal === 'SIGKILL'
            ? `was stopped after ${
                COMMAND_TIMEOUT_MS / 1000
              } s (BENCH_COMMAND_TIMEOUT_MS)`
            : `exited ${code}`;
        reject(
          new Error(
            `${command} ${args.join(' ')} ${why}:\n${stderr.slice(-2000)}`,
          ),
        );
        return;
      }
      const cpu = CPU_LINE.exec(stderr);
      resolvePromise({
        seconds,
        ...(cpu ? { cpuSeconds: Number(cpu[1]) + Number(cpu[2]) } : {}),
        stdout,
        stderr: stderr.replace(CPU_LINE, ''),
      });
    });
  });
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
