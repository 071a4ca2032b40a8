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
import { screen } from '@testing-library/react';
import { digest } from '../../__testUtils__/data';
import { CopyableDigest } from './CopyableDigest';
import { shortDigest } from './format';

jest.setTimeout(30_000);

describe('CopyableDigest', () => {
  it('shows the short digest and a copy icon named for what it copies', async () => {
    const full = digest('a');
    await renderInTestApp(<CopyableDigest digest={full} />);

    const code = await screen.findByText(shortDigest(full));
    expect(code).toHaveAttribute('title', full);
    const button = screen.getByRole('button', {
      name: `Copy digest ${shortDigest(full)}`,
    });
    expect(button.querySelector('svg')).not.toBeNull();
    // An icon on the paper, not Backstage UI's default solid square.
    expect(button).toHaveAttribute('data-variant', 'tertiary');
  });
});
