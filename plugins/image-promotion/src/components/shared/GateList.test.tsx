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

import { render, screen } from '@testing-library/react';
import { GateList, gateVerdict } from './GateList';

describe('GateList', () => {
  it('says a request waits for approvals and for a soak that ends at a known time, and fails the rest', () => {
    const eligibleAt = '2026-12-01T21:46:22.000Z';
    expect(
      gateVerdict({ gate: 'approvals', passed: false, message: 'Needs one' }),
    ).toBe('waiting');
    expect(
      gateVerdict({ gate: 'soak', passed: false, message: 'Soak', eligibleAt }),
    ).toBe('waiting');
    expect(
      gateVerdict({ gate: 'freeze', passed: false, message: 'Frozen' }),
    ).toBe('failed');
    expect(
      gateVerdict({ gate: 'order', passed: false, message: 'Out of order' }),
    ).toBe('failed');
    expect(gateVerdict({ gate: 'order', passed: true, message: 'ok' })).toBe(
      'passed',
    );

    render(
      <GateList
        gates={[
          { gate: 'soak', passed: false, message: 'Soaks for 1h.', eligibleAt },
          { gate: 'approvals', passed: false, message: 'Needs approval.' },
          { gate: 'order', passed: true, message: 'In order.' },
        ]}
      />,
    );
    const list = screen.getByRole('list', { name: 'Policy checks' });
    expect(list).toHaveTextContent('Soak time: waiting');
    expect(list).toHaveTextContent('Approvals: waiting');
    expect(list).toHaveTextContent('Order: passed');
    expect(list).not.toHaveTextContent('failed');
  });
});
