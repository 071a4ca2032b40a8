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

import { PassThrough, type Readable } from 'node:stream';
import { prefetchBody } from './prefetch';

const opener = () => {
  const streams: PassThrough[] = [];
  const open = jest.fn(async (): Promise<Readable> => {
    const stream = new PassThrough();
    streams.push(stream);
    return stream;
  });
  return { open, streams };
};

const tick = () => new Promise(resolve => setImmediate(resolve));

describe('prefetchBody', () => {
  it('opens at once and hands that stream to the first send, a new one to later sends', async () => {
    const { open, streams } = opener();
    const body = prefetchBody(open);
    expect(open).toHaveBeenCalledTimes(1);

    await expect(body.open()).resolves.toBe(streams[0]);
    // A redirect or a retry sends the body again, from the beginning.
    await expect(body.open()).resolves.toBe(streams[1]);
    expect(open).toHaveBeenCalledTimes(2);
  });

  it('gives the failure of opening to the first send, as opening then would have', async () => {
    const failure = new Error('source registry refused the connection');
    const open = jest
      .fn<Promise<Readable>, []>()
      .mockRejectedValueOnce(failure)
      .mockResolvedValue(new PassThrough());
    const body = prefetchBody(open);
    await tick();
    await expect(body.open()).rejects.toBe(failure);
    expect(open).toHaveBeenCalledTimes(1);
  });

  it('opens again when the waiting stream failed before anyone read it', async () => {
    const { open, streams } = opener();
    const body = prefetchBody(open);
    await tick();
    // The source gave up on the paused download (its idle deadline, say).
    streams[0].destroy(new Error('no bytes for 30 s'));
    await tick();
    const reopened = await body.open();
    expect(reopened).toBe(streams[1]);
    expect(reopened.destroyed).toBe(false);
    expect(open).toHaveBeenCalledTimes(2);
  });

  it('closes the stream opened ahead when the upload never sends it', async () => {
    const { open, streams } = opener();
    const body = prefetchBody(open);
    body.discard();
    await tick();
    expect(streams[0].destroyed).toBe(true);
    // Discarding after a send leaves the sent stream alone.
    const sent = prefetchBody(open);
    const stream = await sent.open();
    sent.discard();
    await tick();
    expect(stream.destroyed).toBe(false);
  });

  it('leaves no unhandled rejection when a body that failed to open is discarded', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const body = prefetchBody(() => Promise.reject(new Error('refused')));
      body.discard();
      await tick();
      await tick();
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
