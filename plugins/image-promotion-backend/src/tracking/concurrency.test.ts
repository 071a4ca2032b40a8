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

import { Limiter } from './concurrency';

/** A task that runs until `finish` is called. */
function gate() {
  let finish!: () => void;
  const done = new Promise<void>(resolve => {
    finish = resolve;
  });
  return { done, finish };
}

const tick = () => new Promise(resolve => setImmediate(resolve));

describe('Limiter', () => {
  it('runs at most its limit at once, the others in arrival order, urgent ones first', async () => {
    const limiter = new Limiter(2);
    const started: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const task = (name: string, urgent = false) => {
      const g = gate();
      gates.set(name, g);
      return limiter.run(
        async () => {
          started.push(name);
          await g.done;
          return name;
        },
        { urgent },
      );
    };
    const all = [task('a'), task('b'), task('c'), task('d'), task('e', true)];
    await tick();
    expect(started).toEqual(['a', 'b']);
    expect(limiter.running).toBe(2);
    gates.get('a')!.finish();
    await tick();
    expect(started).toEqual(['a', 'b', 'e']);
    gates.get('b')!.finish();
    gates.get('e')!.finish();
    await tick();
    expect(started).toEqual(['a', 'b', 'e', 'c', 'd']);
    expect(limiter.running).toBe(2);
    gates.get('c')!.finish();
    gates.get('d')!.finish();
    expect(await Promise.all(all)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(limiter.running).toBe(0);
  });

  it('lets a waiting task leave the line when its signal aborts, and frees the place of a failed one', async () => {
    const limiter = new Limiter(1);
    const first = gate();
    const running = limiter.run(() => first.done);
    const controller = new AbortController();
    const waiting = limiter.run(async () => 'never', {
      signal: controller.signal,
    });
    controller.abort(new Error('the run stopped'));
    await expect(waiting).rejects.toThrow('the run stopped');
    first.finish();
    await running;
    await expect(
      limiter.run(async () => {
        throw new Error('registry down');
      }),
    ).rejects.toThrow('registry down');
    expect(await limiter.run(async () => 'next')).toBe('next');
    expect(limiter.running).toBe(0);
  });
});
