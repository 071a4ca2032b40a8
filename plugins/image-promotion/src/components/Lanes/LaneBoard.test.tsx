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
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { digest, hoursAgo, promotion, status } from '../../__testUtils__/data';
import { canRollBack } from '../History/PromotionHistory';
import { plainFailureReason } from '../shared/format';
import { rollbackCandidate } from './EnvironmentLane';
import { LaneBoard, promoteReadiness } from './LaneBoard';

const SLOW = { timeout: 10_000 };

// The first render of the Backstage test app is slow on a loaded machine.
jest.setTimeout(30_000);

/** qa has run 1.0.0 (a) and now runs 1.1.0 (b); dev runs 1.1.0 too. */
function movedOn() {
  const base = status();
  const qa = base.environments[1];
  qa.current = {
    digest: digest('b'),
    tag: '1.1.0',
    since: hoursAgo(1),
    by: 'user:default/jane',
    promotionId: 'p-2',
  };
  qa.versions = [
    {
      digest: digest('b'),
      tags: ['1.1.0'],
      firstSeen: hoursAgo(1),
      lastSeen: hoursAgo(0),
      origin: 'promotion',
      promotionId: 'p-2',
    },
    {
      digest: digest('a'),
      tags: ['1.0.0'],
      firstSeen: hoursAgo(6),
      lastSeen: hoursAgo(0),
      origin: 'promotion',
      promotionId: 'p-1',
    },
  ];
  return base;
}

describe('promoteReadiness', () => {
  it('says when the version is older than the one the target runs', () => {
    // dev rolled back to 1.0.0, which it had before the 1.1.0 qa runs.
    const { environments } = movedOn();
    const [dev, qa, prod] = environments;
    dev.current = {
      digest: digest('a'),
      tag: '1.0.0',
      since: hoursAgo(0),
      by: 'user:default/jane',
      promotionId: null,
    };
    dev.versions = [
      ...dev.versions,
      {
        digest: digest('a'),
        tags: ['1.0.0'],
        firstSeen: hoursAgo(6),
        lastSeen: hoursAgo(0),
        origin: 'discovered',
        promotionId: null,
      },
    ];
    const back = promoteReadiness(dev, qa);
    expect(back.label).toBe('1.0.0 · older');
    expect(back.holds[0]).toEqual({
      name: 'Older version',
      short: 'older',
      sentence:
        '1.0.0 is older than 1.1.0, which QA runs; promoting it takes QA back.',
    });

    // The source rolled back: qa runs 1.0.0 again, prod runs the 1.1.0 qa had after it.
    qa.current = { ...qa.current!, digest: digest('a'), tag: '1.0.0' };
    prod.current = { ...qa.current, digest: digest('b'), tag: '1.1.0' };
    prod.versions = [];
    expect(promoteReadiness(qa, prod).label).toBe('1.0.0 · older');

    // Forward is not older, even into a target that ran the newer version
    // before it rolled back (prod: 1.1.0, then back to 1.0.0).
    qa.current = { ...qa.current, digest: digest('b'), tag: '1.1.0' };
    prod.current = { ...qa.current, digest: digest('a'), tag: '1.0.0' };
    prod.versions = qa.versions;
    expect(promoteReadiness(qa, prod).holds.map(h => h.short)).not.toContain(
      'older',
    );
  });

  it('names the version waiting, says in sync, or that nothing is there', () => {
    const [dev, qa, prod] = status().environments;
    expect(promoteReadiness(dev, qa)).toEqual({
      label: '1.1.0',
      state: 'new',
      holds: [],
    });
    expect(promoteReadiness(qa, prod)).toEqual({
      label: 'in sync',
      state: 'in-sync',
      holds: [],
    });
    expect(promoteReadiness({ ...dev, versions: [] }, qa).state).toBe('empty');
  });

  it('names what the status shows will hold the version back: freeze, soak, approvals', () => {
    const [, qa, prod] = movedOn().environments;
    prod.policy.activeFreeze = {
      description: 'weekly on Fri 16:00–23:59 (UTC)',
      reason: 'Weekend',
      endsAt: '2026-12-04T23:59:00Z',
    };
    const readiness = promoteReadiness(qa, prod, Date.now());
    expect(readiness.state).toBe('new');
    expect(readiness.label).toBe('1.1.0 · frozen');
    expect(readiness.holds.map(h => h.name)).toEqual([
      'Freeze window',
      'Soak time',
      'Approvals',
    ]);
    expect(readiness.holds[1].sentence).toBe(
      '1.1.0 has soaked 1h of 1d in QA; a request made now starts when the soak ends.',
    );
    expect(readiness.holds[2].sentence).toBe(
      'Production needs an approval from someone other than you; a request waits for it.',
    );
  });
});

describe('rollbackCandidate', () => {
  it('offers the version that was there before, never a newer one', () => {
    const [dev, qa] = movedOn().environments;
    expect(rollbackCandidate(qa)?.tags).toEqual(['1.0.0']);
    // dev's older 1.0.0 arrived before 1.1.0 as well.
    expect(rollbackCandidate(dev)?.tags).toEqual(['1.0.0']);
    // Only one version: nothing to go back to.
    expect(rollbackCandidate(status().environments[2])).toBeUndefined();
    // Back in time, qa running the older one: the newer one is not a rollback.
    const back = movedOn().environments[1];
    back.current = { ...back.current!, digest: digest('a') };
    expect(rollbackCandidate(back)).toBeUndefined();
  });
});

describe('canRollBack (history)', () => {
  it('refuses a row that would move the environment forward', () => {
    const environments = movedOn().environments;
    const qa = environments[1];
    qa.current = { ...qa.current!, digest: digest('a'), since: hoursAgo(0.5) };
    // 1.1.0 (b) arrived after 1.0.0 (a) which runs again now: forward, not back.
    expect(
      canRollBack(
        promotion({ status: 'succeeded', digest: digest('b') }),
        environments,
      ),
    ).toBe(false);
    const forward = movedOn().environments;
    expect(
      canRollBack(
        promotion({ status: 'succeeded', digest: digest('a') }),
        forward,
      ),
    ).toBe(true);
  });
});

describe('plainFailureReason', () => {
  it('turns system errors into words without paths', () => {
    const text = plainFailureReason(
      "ENOTDIR: not a directory, open '/tmp/e2e-x/prod/checkout/oci-layout'",
      { environment: 'Production', registry: 'prod' },
    );
    expect(text).toBe(
      "Could not use the Production registry (prod): a path it uses is a file, not a directory (ENOTDIR). Check the registry's configuration and storage.",
    );
    expect(text).not.toContain('/tmp');
    expect(
      plainFailureReason('registry qa answered 401: check the credentials', {
        environment: 'QA',
      }),
    ).toBe('registry qa answered 401: check the credentials');
  });
});

describe('LaneBoard', () => {
  it('offers Roll back on a lane and shows a failed promotion with its reason', async () => {
    const onRollBack = jest.fn();
    const onShowPromotion = jest.fn();
    const { environments } = movedOn();
    environments[2].lastFailure = {
      promotionId: 'p-9',
      targetTag: '1.1.0',
      failedAt: hoursAgo(0.5),
      message:
        'The Production registry (prod) cannot be used: the backend may not read or write its directory.',
    };
    await renderInTestApp(
      <LaneBoard
        environments={environments}
        now={Date.now()}
        onPromote={jest.fn()}
        onRollBack={onRollBack}
        onShowPromotion={onShowPromotion}
      />,
    );
    const qa = await screen.findByRole(
      'region',
      { name: 'QA environment' },
      SLOW,
    );
    await userEvent.click(
      within(qa).getByRole('button', { name: 'Roll back to 1.0.0 in QA' }),
    );
    expect(onRollBack).toHaveBeenCalledWith(
      environments[1],
      expect.objectContaining({ digest: digest('a') }),
    );
    // Production ran one version only: nothing to roll back to.
    const prod = screen.getByRole('region', { name: 'Production environment' });
    expect(
      within(prod).queryByRole('button', { name: /Roll back/ }),
    ).toBeNull();
    const failure = within(prod).getByRole('alert', {
      name: 'Last promotion into Production failed',
    });
    expect(failure).toHaveTextContent(
      '1.1.0 failed 30m ago: The Production registry (prod) cannot be used: the backend may not read or write its directory.',
    );
    await userEvent.click(
      within(failure).getByRole('button', { name: 'Details' }),
    );
    expect(onShowPromotion).toHaveBeenCalledWith('p-9');
    expect(
      screen.getByRole('button', {
        name: 'Promote in sync: from Development to QA',
      }),
    ).toBeEnabled();
  });

  it('does not invite a promotion the policy holds back, and names the gate', async () => {
    const { environments } = movedOn();
    const [, qa, prod] = environments;
    prod.policy.activeFreeze = {
      description: 'weekly on Fri 16:00–23:59 (UTC)',
      reason: 'Weekend',
      endsAt: '2026-12-04T23:59:00Z',
    };
    const first = await renderInTestApp(
      <LaneBoard
        environments={environments}
        now={Date.now()}
        onPromote={jest.fn()}
      />,
    );
    const held = await screen.findByRole(
      'button',
      { name: 'Promote 1.1.0 · frozen: from QA to Production' },
      SLOW,
    );
    // Requests are accepted during a timed freeze: enabled, but not the page's call to action.
    expect(held).toBeEnabled();
    expect(held).not.toHaveClass('MuiButton-contained');
    expect(held).toHaveAccessibleDescription(
      /^Freeze window: Promotions into Production are frozen \(Weekend\) until .*; a request made now starts when the freeze ends\. Soak time: 1\.1\.0 has soaked 1h of 1d in QA; .* Approvals: Production needs an approval/,
    );
    // Nothing known holds dev → qa back; it still does not promise what only the dry-run knows.
    const next = screen.getByRole('button', {
      name: /: from Development to QA$/,
    });
    expect(next).toHaveAccessibleName(
      'Promote in sync: from Development to QA',
    );
    expect(screen.queryByText(/ready/)).toBeNull();

    // A second promotion into an environment with one open is refused: the button says so.
    first.unmount();
    qa.current = null;
    prod.openPromotion = promotion({
      status: 'pending_approval',
      sourceEnvironment: 'qa',
      targetEnvironment: 'prod',
    });
    await renderInTestApp(
      <LaneBoard
        environments={environments}
        now={Date.now()}
        onPromote={jest.fn()}
      />,
    );
    const busy = await screen.findByRole(
      'button',
      { name: 'Promote waiting for approval: from QA to Production' },
      SLOW,
    );
    expect(busy).toBeDisabled();
    expect(busy).toHaveAccessibleDescription(
      'Open promotion: A promotion into Production is waiting for approval; another one can start when it finishes or is cancelled.',
    );
  });

  it('invites the next promotion when nothing known holds it, without promising the dry-run', async () => {
    await renderInTestApp(
      <LaneBoard
        environments={status().environments}
        now={Date.now()}
        onPromote={jest.fn()}
      />,
    );
    const next = await screen.findByRole(
      'button',
      { name: 'Promote 1.1.0: from Development to QA' },
      SLOW,
    );
    expect(next).toBeEnabled();
    expect(next).toHaveClass('MuiButton-contained');
    expect(next).toHaveAccessibleDescription(
      'Opens the policy check for QA; nothing is copied until you confirm there.',
    );
  });

  it('names who requested and who approved the version a lane runs', async () => {
    const { environments } = movedOn();
    environments[1].current = {
      ...environments[1].current!,
      approvedBy: ['user:default/release-bob', 'user:default/carol'],
    };
    environments[2].current = {
      ...environments[2].current!,
      by: 'external:ci-bot',
      promotionId: 'p-3',
      approvedBy: [],
    };
    await renderInTestApp(
      <LaneBoard environments={environments} now={Date.now()} />,
    );
    const qa = await screen.findByRole(
      'region',
      { name: 'QA environment' },
      SLOW,
    );
    expect(
      within(qa).getByText(
        /^Promoted 1h ago by jane, approved by release-bob and carol$/,
      ),
    ).toBeInTheDocument();
    const prod = screen.getByRole('region', { name: 'Production environment' });
    expect(
      within(prod).getByText(/Promoted .* ago by automation ci-bot$/),
    ).toBeInTheDocument();
  });

  it('says a registry cannot be read instead of "Nothing deployed yet"', async () => {
    const { environments } = status();
    const prod = environments[2];
    prod.current = null;
    prod.versions = [];
    prod.trackingError = {
      message:
        'the prod registry at registry.example.com refused the connection; check that it is running',
      lastTriedAt: hoursAgo(0.05),
      failingSince: hoursAgo(2),
    };
    await renderInTestApp(
      <LaneBoard environments={environments} now={Date.now()} />,
    );
    const lane = await screen.findByRole(
      'region',
      { name: 'Production environment' },
      SLOW,
    );
    expect(within(lane).queryByText('Nothing deployed yet')).toBeNull();
    const alert = within(lane).getByRole('alert', {
      name: 'Cannot read the Production registry',
    });
    expect(alert).toHaveTextContent(
      'Cannot read the Production registry: it refused the connection; check that it is running, last tried 3m ago.',
    );
  });
});
