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

import { join } from 'node:path';
import {
  createOciLayout,
  OciLayoutFixture,
  pushWithSkopeo,
} from '../testing/fixtures';
import { startRegistry, TestRegistry } from '../testing/registry';
import { makeTempDir, removeTempDir } from '../testing/tempDir';
import { runCli } from './index';

describe('runCli onTransfer', () => {
  let layout: OciLayoutFixture;
  let dir: string;
  let digest: string;
  let registry: TestRegistry;

  beforeAll(async () => {
    layout = await createOciLayout();
    digest = (
      await layout.addImage({
        layers: 2,
        layerSize: 3 * 1024 * 1024,
        tag: 'v1',
      })
    ).digest;
    dir = makeTempDir('on-transfer');
    registry = await startRegistry();
    await pushWithSkopeo(layout.dir, 'v1', `${registry.host}/team/app:v1`);
  });
  afterAll(async () => {
    await registry?.stop();
    await layout.cleanup();
    await removeTempDir(dir);
  });

  const copy = async (target: string, onTransfer: (first: boolean) => void) => {
    const out: string[] = [];
    const code = await runCli(
      [
        'copy',
        `${registry.host}/team/app:v1`,
        target,
        '--insecure-registry',
        registry.host,
        '--quiet',
      ],
      {
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: () => true },
        env: {},
      },
      { onTransfer },
    );
    expect(code).toBe(0);
    expect(out.join('')).toBe(`${digest}\n`);
  };

  it('is called when blob bytes start moving and about every MiB after, and not for a copy that only mounts', async () => {
    // Out of the registry: every byte of two 3 MiB layers moves, and each
    // layer reports progress at 1 and 2 MiB (3 MiB is its end, not progress).
    const transfer = jest.fn();
    await copy(`oci-layout:${join(dir, 'target')}:v1`, transfer);
    expect(transfer.mock.calls).toEqual([[true], [false], [false], [false]]);

    // Into another repository of the same registry: blobs are mounted.
    const mount = jest.fn();
    await copy(`${registry.host}/prod/app:v1`, mount);
    expect(mount).not.toHaveBeenCalled();
  });
});
