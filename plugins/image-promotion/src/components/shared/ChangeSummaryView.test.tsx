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

import { renderInTestApp } from '@backstage/test-utils';
import type { ChangeSummary } from '@image-promotion/plugin-image-promotion-common';
import { screen } from '@testing-library/react';
import {
  ChangeSummaryView,
  describeHeadline,
  describeLayers,
  displayLabelValue,
} from './ChangeSummaryView';

describe('ChangeSummaryView text', () => {
  it('shows the creation instant in the reader locale, other labels as given', () => {
    const created = '2026-12-01T06:02:10.696Z';
    expect(displayLabelValue('org.opencontainers.image.created', created)).toBe(
      new Date(created).toLocaleString(),
    );
    expect(
      displayLabelValue('org.opencontainers.image.created', 'yesterday'),
    ).toBe('yesterday');
    expect(displayLabelValue('org.opencontainers.image.version', '1.1.0')).toBe(
      '1.1.0',
    );
    expect(displayLabelValue('org.opencontainers.image.version', null)).toBe(
      '—',
    );
  });

  it('counts layers in words and a headline for History', () => {
    expect(
      describeLayers({
        added: 2,
        removed: 1,
        shared: 0,
        bytesAdded: 2048,
        bytesRemoved: 512,
      }),
    ).toBe('2 layers added (2.0 KiB), 1 removed (512 B), 0 shared');
    expect(
      describeHeadline({
        fromVersion: '1.0.0',
        toVersion: '1.1.0',
        layersAdded: 2,
        layersRemoved: 1,
        sizeDelta: -1024,
        compareUrl: null,
      }),
    ).toEqual({ version: '1.0.0 → 1.1.0', content: '+2 −1 layers · −1.0 KiB' });
  });

  it('shows a platform table only where platforms differ between two images', async () => {
    const layers = {
      added: 2,
      removed: 0,
      shared: 0,
      bytesAdded: 8192,
      bytesRemoved: 0,
    };
    const firstImage: ChangeSummary = {
      fromDigest: null,
      toDigest: `sha256:${'b'.repeat(64)}`,
      identical: false,
      labels: [],
      compare: null,
      layers,
      size: { from: null, to: 9000 },
      platforms: [
        {
          platform: 'linux/amd64',
          status: 'added',
          fromDigest: null,
          toDigest: `sha256:${'b'.repeat(64)}`,
          sizeFrom: null,
          sizeTo: 9000,
          layers,
        },
      ],
      problem: null,
      comparedAt: new Date().toISOString(),
    };
    const { unmount } = await renderInTestApp(
      <ChangeSummaryView summary={firstImage} targetTitle="Staging" />,
    );
    expect(
      screen.getByText('Staging has no image yet: everything is new.'),
    ).toBeVisible();
    expect(screen.queryByRole('table', { name: 'Platforms' })).toBeNull();
    unmount();

    await renderInTestApp(
      <ChangeSummaryView
        summary={{ ...firstImage, fromDigest: `sha256:${'a'.repeat(64)}` }}
        targetTitle="Staging"
      />,
    );
    expect(screen.getByRole('table', { name: 'Platforms' })).toBeVisible();
  });
});
