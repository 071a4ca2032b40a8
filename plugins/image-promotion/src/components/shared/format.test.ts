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

import {
  formatAge,
  formatBytes,
  formatDuration,
  humanizeEventActor,
  humanizeEventMessage,
  humanizeUserRef,
  promotedByText,
  shortDigest,
  trackingReason,
} from './format';

describe('format', () => {
  it('shortens a digest to its first 12 hex characters', () => {
    expect(shortDigest(`sha256:${'ab12'.repeat(16)}`)).toBe('ab12ab12ab12');
    expect(shortDigest('abcdef0123456789')).toBe('abcdef012345');
  });

  it.each([
    [5_000, '5s'],
    [12 * 60_000, '12m'],
    [3 * 3_600_000 + 5 * 60_000, '3h 5m'],
    [2 * 86_400_000, '2d'],
    [4 * 86_400_000 + 2 * 3_600_000, '4d 2h'],
    [-10, '0s'],
  ])('formats %d ms as %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });

  it('says how long ago an instant was', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    expect(formatAge('2026-01-10T09:00:00Z', now)).toBe('3h ago');
    expect(formatAge('not a date', now)).toBe('unknown');
  });

  it('formats bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10.0 MiB');
  });

  it('shows user refs by name and tracking for discovered versions', () => {
    expect(humanizeUserRef('user:default/jane')).toBe('jane');
    expect(humanizeUserRef('user:ops/bob')).toBe('ops/bob');
    expect(humanizeUserRef(null)).toBe('tracking');
  });

  it('names who promoted a version and who approved it, or the automation', () => {
    expect(promotedByText('user:default/alice')).toBe('by alice');
    expect(
      promotedByText('user:default/alice', [
        'user:default/bob',
        'user:default/carol',
        'user:ops/dave',
      ]),
    ).toBe('by alice, approved by bob, carol and ops/dave');
    expect(promotedByText('external:ci-bot')).toBe('by automation ci-bot');
    expect(promotedByText('auto-promotion', ['user:default/bob'])).toBe(
      'by auto-promotion, approved by bob',
    );
  });

  it("says why tracking cannot read a registry without repeating the lane's words", () => {
    expect(
      trackingReason(
        'the qa registry at registry.example.com:5000 refused the connection; check that it is running (while listing the tags of team/checkout)',
      ),
    ).toBe('it refused the connection; check that it is running');
    expect(
      trackingReason(
        'the staging registry (OCI layout /srv/registries/staging) cannot be read while listing the tags of checkout: a part of its directory path is a file, not a directory (ENOTDIR)',
      ),
    ).toBe('a part of its directory path is a file, not a directory (ENOTDIR)');
    expect(trackingReason("EIO: i/o error, read '/srv/x/index.json'")).toBe(
      'EIO: i/o error, read (a path on the backend)',
    );
  });

  it('names the copy worker in a promotion history by its host, people by name', () => {
    expect(humanizeEventActor('backstage-7f9c:4211:1a2b3c4d')).toBe(
      'the copy worker on backstage-7f9c',
    );
    expect(humanizeEventActor('ci:812:0f0f0f0f')).toBe('the copy worker on ci');
    expect(humanizeEventActor('user:default/alice')).toBe('alice');
    expect(humanizeEventActor('auto-promotion')).toBe('auto-promotion');
    expect(humanizeEventActor(null)).toBe('tracking');
  });

  it('drops history notes that repeat the actor and names copy workers by host', () => {
    expect(
      humanizeEventMessage('Claimed by vm:10448:4ca89f55', 'vm:10448:4ca89f55'),
    ).toBe('');
    expect(
      humanizeEventMessage(
        'Lease of node-a:31:0a0b0c0d expired; reclaimed by node-b.example:77:deadbeef',
        'node-b.example:77:deadbeef',
      ),
    ).toBe(
      'Lease of the copy worker on node-a expired; reclaimed by the copy worker on node-b.example',
    );
    expect(humanizeEventMessage('Approved by release-manager', null)).toBe(
      'Approved by release-manager',
    );
    expect(humanizeEventMessage(null, 'user:default/alice')).toBe('');
  });
});
