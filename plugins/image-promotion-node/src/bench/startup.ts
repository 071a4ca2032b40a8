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

// The start-up part of bench:copy: how far our CLI starts above what any
// Node.js program pays, and what a Node.js program at best could do for a
// same-registry promotion, side by side with skopeo.

import { spawn } from 'node:child_process';
import { median, type TimedRun } from './measure';

export type { TimedRun };

export type Runner = (command: string, args: string[]) => Promise<TimedRun>;

export const STARTUP_RUNS = 21;

/**
 * One start-up, timed by bash's `time` (millisecond wall clock and CPU of
 * the child; GNU time's 10 ms CPU resolution is too coarse for 10–40 ms
 * processes, and timing from here would add this process's spawn). The
 * child's output is discarded; a failure still fails the benchmark.
 */
function timeStartup(command: string, args: string[]): Promise<TimedRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      'bash',
      [
        '-c',
        'TIMEFORMAT="bench-time %3R %3U %3S"; time "$@" >/dev/null 2>&1',
        'bash',
        command,
        ...args,
      ],
      // A start-up that hangs fails the benchmark instead of stalling it.
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 },
    );
    let stderr = '';
    child.stderr.on('data', d => (stderr += d));
    child.on('error', reject);
    child.on('close', code => {
      const m = /bench-time ([\d.]+) ([\d.]+) ([\d.]+)/.exec(stderr);
      if (code !== 0 || !m) {
        reject(new Error(`${command} ${args.join(' ')} failed: ${stderr}`));
        return;
      }
      resolvePromise({
        seconds: Number(m[1]),
        cpuSeconds: Number(m[2]) + Number(m[3]),
        stdout: '',
        stderr: '',
      });
    });
  });
}

const NODE_FLOOR = 'node -e 0 (empty Node.js process)';

/**
 * Start-up alone, the part of every run that does not depend on the
 * registries: an empty Node.js process (the floor of anything written for
 * Node.js), our `--version` and skopeo's. Medians of STARTUP_RUNS, taking
 * turns.
 */
export async function measureStartup(
  cli: string,
): Promise<Record<string, TimedRun[]>> {
  const commands: Record<string, [string, string[]]> = {
    [NODE_FLOOR]: [process.execPath, ['-e', '0']],
    'image-promotion --version': [process.execPath, [cli, '--version']],
    'skopeo --version': ['skopeo', ['--version']],
  };
  const runs: Record<string, TimedRun[]> = {};
  for (let i = 0; i < STARTUP_RUNS; i++) {
    const names = Object.keys(commands);
    // Taking turns: a different command goes first in each round.
    const order = names.map((_, k) => names[(i + k) % names.length]);
    for (const name of order) {
      const [command, args] = commands[name];
      (runs[name] ??= []).push(await timeStartup(command, args));
    }
  }
  return runs;
}

/** The start-up medians side by side, with each one's distance from the Node.js floor. */
export function formatStartup(runs: Record<string, TimedRun[]>): string {
  const wall = (name: string) => median(runs[name].map(x => x.seconds));
  const cpu = (r: TimedRun[]) => {
    const values = r.flatMap(x =>
      x.cpuSeconds === undefined ? [] : [x.cpuSeconds],
    );
    return values.length ? `CPU ${median(values).toFixed(3)} s` : '';
  };
  const floor = runs[NODE_FLOOR] ? wall(NODE_FLOOR) : NaN;
  const width = Math.max(...Object.keys(runs).map(n => n.length));
  return Object.entries(runs)
    .map(([name, r]) => {
      const seconds = wall(name);
      const gap = seconds - floor;
      const relation =
        name === NODE_FLOOR || Number.isNaN(floor)
          ? ''
          : `${gap >= 0 ? '+' : '-'}${Math.abs(gap).toFixed(
              3,
            )} s against the empty Node.js process`;
      return `  ${name.padEnd(width)}  ${seconds.toFixed(3)} s  ${cpu(r).padEnd(
        15,
      )}  ${relation}`.trimEnd();
    })
    .join('\n');
}

/**
 * The least a Node.js program can do for a same-registry promotion, as a
 * script for `node -e`: the requests our engine and skopeo make at the
 * least (GET the manifest; mount every blob, all at once; PUT the manifest)
 * with Node's own http client, no checks, no verification, no credentials.
 * Arguments: registry host:port, source repository, reference, target
 * repository, target tag.
 */
const SAME_REGISTRY_FLOOR_SCRIPT = `
const http = require('node:http');
const [registry, from, reference, to, tag] = process.argv.slice(1);
const [host, port] = registry.split(':');
const agent = new http.Agent({ keepAlive: true });
const send = (method, path, headers = {}, body) => new Promise((resolve, reject) => {
  const request = http.request({ host, port, method, path, headers, agent }, response => {
    const chunks = [];
    response.on('data', chunk => chunks.push(chunk));
    response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
  });
  request.on('error', reject);
  request.end(body);
});
(async () => {
  const manifest = await send('GET', '/v2/' + from + '/manifests/' + reference, {
    accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
  });
  const parsed = JSON.parse(manifest.body);
  const mounts = await Promise.all([parsed.config, ...parsed.layers].map(blob =>
    send('POST', '/v2/' + to + '/blobs/uploads/?mount=' + blob.digest + '&from=' + from)));
  if (mounts.some(m => m.status !== 201)) throw new Error('a mount was refused');
  const put = await send('PUT', '/v2/' + to + '/manifests/' + tag, { 'content-type': manifest.headers['content-type'] }, manifest.body);
  if (put.status !== 201) throw new Error('manifest PUT answered ' + put.status);
  process.exit(0);
})().catch(error => { console.error(error); process.exit(1); });
`;

export interface SameRegistryFloor {
  name: string;
  node: number[];
  skopeo: number[];
}

/**
 * The same-registry promotion of `repository:reference` into fresh
 * repositories, by the floor script and by skopeo, taking turns: whether a
 * Node.js program could at all be as fast as skopeo here.
 */
export async function measureSameRegistryFloor(
  run: Runner,
  name: string,
  host: string,
  repository: string,
  reference: string,
  runs: number,
  skopeo: (source: string, target: string) => Promise<TimedRun>,
): Promise<SameRegistryFloor> {
  const result: SameRegistryFloor = { name, node: [], skopeo: [] };
  const nodeRun = async (i: number) => {
    const r = await run(process.execPath, [
      '-e',
      SAME_REGISTRY_FLOOR_SCRIPT,
      host,
      `bench/${repository}`,
      reference,
      `floor-node-${i}/${repository}`,
      reference,
    ]);
    result.node.push(r.seconds);
  };
  const skopeoRun = async (i: number) => {
    const r = await skopeo(
      `${host}/bench/${repository}:${reference}`,
      `${host}/floor-skopeo-${i}/${repository}:${reference}`,
    );
    result.skopeo.push(r.seconds);
  };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      await nodeRun(i);
      await skopeoRun(i);
    } else {
      await skopeoRun(i);
      await nodeRun(i);
    }
  }
  return result;
}

export function formatSameRegistryFloor(floor: SameRegistryFloor): string {
  const node = median(floor.node);
  const skopeo = median(floor.skopeo);
  return `  ${floor.name}: plain Node.js script ${node.toFixed(
    3,
  )} s, skopeo ${skopeo.toFixed(3)} s, ratio ${(node / skopeo).toFixed(
    2,
  )} (medians of ${floor.node.length} + ${floor.skopeo.length})`;
}
