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

import { overviewItems } from '../../__testUtils__/overview';
import {
  describeBehind,
  environmentColumns,
  filterOptions,
  matchesOverviewQuery,
  overviewToCsv,
} from './overviewRows';

describe('overviewRows', () => {
  const rows = overviewItems();
  const refs = (query: Parameters<typeof matchesOverviewQuery>[1]) =>
    rows.filter(r => matchesOverviewQuery(r, query)).map(r => r.entityRef);

  it('lines environments up across pipelines in pipeline order', () => {
    expect(environmentColumns(rows).map(c => c.id)).toEqual([
      'dev',
      'qa',
      'prod',
    ]);
    expect(
      environmentColumns([
        {
          ...rows[0],
          environments: [rows[0].environments[0], rows[0].environments[2]],
        },
        rows[1],
      ]).map(c => c.id),
    ).toEqual(['dev', 'qa', 'prod']);
  });

  it.each([
    [{ owner: 'group:default/team-a' }, ['checkout', 'billing']],
    [{ system: 'discovery' }, ['search']],
    [{ lifecycle: 'production' }, ['checkout', 'billing']],
    [{ status: 'pending-approval' as const }, ['checkout']],
    [{ status: 'drift' as const }, ['search']],
    [{ status: 'failed' as const }, ['billing']],
    [{ status: 'unreadable' as const }, ['billing']],
    [{ status: 'behind' as const }, ['checkout', 'billing']],
    [{ status: 'in-sync' as const }, []],
    [{ q: 'BILL' }, ['billing']],
    [{ q: '1.4.0' }, ['checkout']],
    [{ owner: 'group:default/team-a', status: 'failed' as const }, ['billing']],
    [{}, ['checkout', 'search', 'billing']],
  ])('filters %j', (query, expected) => {
    expect(refs(query)).toEqual(expected.map(n => `component:default/${n}`));
  });

  it('offers the distinct filter values', () => {
    expect(filterOptions(rows)).toEqual({
      owners: ['group:default/team-a', 'group:default/team-b'],
      systems: ['discovery', 'shop'],
      lifecycles: ['experimental', 'production'],
    });
  });

  it('says how far behind an environment is', () => {
    expect(describeBehind({ versions: 7, days: 12 })).toBe(
      '7 versions / 12 days behind',
    );
    expect(describeBehind({ versions: 1, days: 1 })).toBe(
      '1 version / 1 day behind',
    );
    expect(describeBehind({ versions: 2, days: null })).toBe(
      '2 versions behind',
    );
    expect(describeBehind({ versions: 0, days: 0 })).toBeUndefined();
    expect(describeBehind(null)).toBeUndefined();
  });

  it('exports CSV with quoting and without spreadsheet formulas', () => {
    const lines = overviewToCsv(rows).split('\r\n');

    expect(lines[0]).toBe(
      'Component,Title,Owner,System,Lifecycle,Image,Pipeline,' +
        'Development version,Development tag,Development digest,Development behind (versions),Development behind (days),' +
        'QA version,QA tag,QA digest,QA behind (versions),QA behind (days),' +
        'Production version,Production tag,Production digest,Production behind (versions),Production behind (days),' +
        'Pending approvals,Drift,Last failed,Unreadable registries,Status',
    );
    expect(lines[1]).toBe(
      `component:default/checkout,Checkout,group:default/team-a,shop,production,checkout,default,` +
        `1.4.0,dev,sha256:${'c'.repeat(64)},,,1.4.0,qa,sha256:${'c'.repeat(
          64,
        )},0,0,` +
        `1.2.0,prod,sha256:${'a'.repeat(
          64,
        )},7,12,1,0,,,pending-approval behind`,
    );
    expect(lines[3]).toContain('"Billing, ""core"""');
    expect(lines[3]).toContain(`,'=cmd,`);
    expect(lines[3]).toMatch(
      /,QA: registry qa answered 401,Production: it refused the connection; check that it is running,failed unreadable behind$/,
    );
    expect(lines).toHaveLength(5);
    expect(lines[4]).toBe('');
  });
});
