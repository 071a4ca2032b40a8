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

/* eslint-disable no-console */

// End to end, in the real example app: builds the frontend, starts the
// backend serving it (SQLite in memory, OCI-layout registries in a temp dir,
// demo data seeded), and drives Debian's chromium with playwright-core
// through the promotions a person would do. A second service goes through a
// pipeline whose Release environment requires a cosign signature by a key
// generated here. Screenshots go to e2e-test-report/. Prints "N passed,
// N failed" and exits non-zero on failure.

import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  addCosignSignature,
  createOciLayout,
  generateCosignKeyPair,
} from '@image-promotion/plugin-image-promotion-node/testing';
import {
  Browser,
  BrowserContext,
  chromium,
  Locator,
  Page,
} from 'playwright-core';

const ROOT = resolve(__dirname, '..');
const REPORT = join(ROOT, 'e2e-test-report');
const PORT = Number(process.env.E2E_PORT ?? 7077);
const BASE = `http://localhost:${PORT}`;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SERVICE = 'checkout-service';
const TAB = `${BASE}/catalog/default/component/${SERVICE}/promotion`;
/** The service of the "signed" pipeline (e2e-tests/entities.e2e.yaml). */
const SIGNED_SERVICE = 'ledger-service';
const SIGNED_TAB = `${BASE}/catalog/default/component/${SIGNED_SERVICE}/promotion`;
const SIGNING_KEY_NAME = 'release-signing-key';

const results: { name: string; ok: boolean; detail?: string }[] = [];
const INBOX = `${BASE}/image-promotion/approvals`;
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Waits until every finite CSS transition and animation in the page has ended. A dialog fades in
 * over 225 ms; on a fast machine the preview answers before that, and axe measured the text's
 * contrast through the dialog's partial opacity (a failed CI run: table headers "failing" at
 * opacity < 1). Spinners animate forever and are left out.
 */
async function settleTransitions(page: Page) {
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter(a => a.effect?.getComputedTiming().endTime !== Infinity)
        .map(a => a.finished.catch(() => undefined)),
    ),
  );
}

/**
 * Runs axe-core in the page on what the plugin renders (`include`: CSS selectors of its roots),
 * writes every violation to the report, and fails on serious or critical ones.
 */
async function runAxe(page: Page, name: string, include: string[]) {
  // Evaluated over the DevTools protocol: the app's Content-Security-Policy refuses inline scripts.
  if (!(await page.evaluate(() => Boolean((window as any).axe)))) {
    await page.evaluate(AXE_SOURCE);
  }
  await settleTransitions(page);
  const violations: AxeViolation[] = await page.evaluate(async selectors => {
    const axe = (window as any).axe;
    const result = await axe.run(
      { include: selectors.map((s: string) => [s]) },
      { resultTypes: ['violations'] },
    );
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map(
        (n: any) => `${n.target.join(' ')} :: ${String(n.html).slice(0, 200)}`,
      ),
    }));
  }, include);
  writeFileSync(
    join(REPORT, `axe-${name}.json`),
    JSON.stringify(violations, null, 2),
  );
  const serious = violations.filter(
    v => v.impact === 'serious' || v.impact === 'critical',
  );
  console.log(
    `    axe ${name}: ${violations.length} violation(s), ${serious.length} serious or critical`,
  );
  if (serious.length) {
    throw new Error(
      `axe-core on ${name}: ${serious
        .map(
          v =>
            `${v.id} (${v.impact}): ${v.help}\n      ${v.nodes.join(
              '\n      ',
            )}`,
        )
        .join('\n')}`,
    );
  }
}

/** Opens `url`; when the full page load could not restore the session, signs in again. */
async function gotoSignedIn(page: Page, url: string) {
  await page.goto(url);
  // Either the sign-in page or the app (its sidebar) shows up; under load that can take longer
  // than a fixed glance, and guessing "signed in" too early left the page on the sign-in screen.
  const enter = page.getByRole('button', { name: /enter/i });
  const app = page.getByRole('navigation', { name: 'sidebar nav' });
  // The sidebar's <nav> has no box of its own (its drawer is fixed), so: attached, not visible.
  await enter.or(app).first().waitFor({ state: 'attached', timeout: 60_000 });
  if (await enter.isVisible()) {
    await enter.click();
    await page.goto(url);
  }
}

/** Opens the detail view from the first button matching `label` (History, lanes). */
async function openDetails(page: Page, label: RegExp) {
  await page.getByRole('button', { name: label }).first().click();
  const details = page.getByRole('dialog', { name: /^Promotion of / });
  await details.waitFor({ timeout: 30_000 });
  return details;
}
const timings: Record<string, number> = {};
let activeBrowser: Browser | undefined;

async function step(name: string, fn: () => Promise<void>) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    // What every open page showed when the step failed.
    const pages = (activeBrowser?.contexts() ?? []).flatMap(c => c.pages());
    for (const [i, open] of pages.entries()) {
      await open
        .screenshot({ path: join(REPORT, `failure-${i}.png`), fullPage: true })
        .catch(() => undefined);
    }
    results.push({ name, ok: false, detail: String(error) });
    console.log(`  ✗ ${name}\n    ${String(error).split('\n').join('\n    ')}`);
    throw error;
  }
}

async function waitForHealth(backend: ChildProcess, logs: () => string) {
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    if (backend.exitCode !== null) {
      throw new Error(`the backend exited early:\n${logs().slice(-3000)}`);
    }
    try {
      const res = await fetch(`${BASE}/api/image-promotion/health`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise(r => setTimeout(r, 1000));
  }
  throw new Error(`backend not healthy after 240 s:\n${logs().slice(-3000)}`);
}

async function assertPortFree() {
  const inUse = await fetch(`${BASE}/`).then(
    () => true,
    () => false,
  );
  if (inUse) {
    throw new Error(
      `something already answers on port ${PORT}; stop it or set E2E_PORT to a free port`,
    );
  }
}

async function stopGroup(child: ChildProcess) {
  if (!child.pid || child.exitCode !== null) return;
  const exited = new Promise(r => child.once('exit', r));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const timer = new Promise(r => setTimeout(r, 10_000));
  if ((await Promise.race([exited.then(() => 'exited'), timer])) !== 'exited') {
    signal('SIGKILL');
    await exited;
  }
}

async function signIn(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(BASE);
  await page.getByRole('button', { name: /enter/i }).click({ timeout: 60_000 });
  await page.waitForURL(url => !url.pathname.includes('sign'), {
    timeout: 30_000,
  });
  return page;
}

async function openTab(page: Page, url: string = TAB) {
  // Right after start-up the catalog may not have handed the component to
  // tracking yet: the tab then says so, and a reload a little later shows it.
  const deadline = Date.now() + 120_000;
  for (;;) {
    await page.goto(url);
    // A full page load restores the session; if it could not, sign in again.
    const enter = page.getByRole('button', { name: /enter/i });
    if (await enter.isVisible({ timeout: 2_000 }).catch(() => false)) {
      await enter.click();
    }
    try {
      await page
        .getByRole('list', { name: 'Environments' })
        .waitFor({ timeout: 10_000 });
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        await page.screenshot({
          path: join(REPORT, 'failure-open-tab.png'),
          fullPage: true,
        });
        throw error;
      }
    }
  }
}

/** Waits until the lane of `envTitle` shows `tag` as current, reloading between looks. */
async function waitForCurrent(page: Page, envTitle: string, tag: string) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const text = await page
      .getByLabel(`Current tag in ${envTitle}`)
      .textContent({ timeout: 5_000 })
      .catch(() => '');
    if (text?.includes(tag)) return;
    await page.waitForTimeout(1000);
  }
  throw new Error(`${envTitle} never showed ${tag} as current`);
}

async function promote(
  page: Page,
  from: string,
  to: string,
  tag: string,
  confirmLabel: RegExp,
  options: {
    reason?: string;
    beforeConfirm?: (dialog: Locator) => Promise<void>;
  } = {},
) {
  // The button names the version and what holds it ("Promote 1.1.0 · soaking: from Staging to Production").
  const dialog = await openPromoteDialog(page, from, to, tag);
  const confirm = dialog.getByRole('button', { name: confirmLabel });
  await confirm.waitFor();
  // The policy preview runs as the selection changes; confirm is enabled once it passes.
  const deadline = Date.now() + 30_000;
  while (!(await confirm.isEnabled())) {
    if (Date.now() > deadline) {
      const gates = await dialog.textContent();
      throw new Error(`confirm stayed disabled: ${gates}`);
    }
    await page.waitForTimeout(250);
  }
  if (options.reason) {
    await dialog.getByLabel('Reason').fill(options.reason);
  }
  await options.beforeConfirm?.(dialog);
  await confirm.click();
  await dialog.waitFor({ state: 'detached', timeout: 30_000 });
}

/** What {@link seedSignedService} wrote: the digest of each version. */
interface SignedSeed {
  signed: string;
  foreign: string;
  unsigned: string;
}

/**
 * Writes ledger-service's builds into the Build layout before the backend
 * starts: 1.0.0 signed with the release key (whose public half the config
 * names through E2E_SIGNING_KEY), 1.1.0 signed with another key, 1.2.0
 * unsigned and current. Signed the way `cosign sign --key` stores it, by the
 * same fixture helper the backend's signature tests use.
 */
async function seedSignedService(
  dataDir: string,
  publicKeyPath: string,
): Promise<SignedSeed> {
  const release = generateCosignKeyPair();
  const stranger = generateCosignKeyPair();
  writeFileSync(publicKeyPath, release.publicKeyPem);
  const layout = await createOciLayout(join(dataDir, 'build', SIGNED_SERVICE));
  const build = async (version: string, tags: string[]) => {
    const image = await layout.addImage({
      layers: 2,
      layerSize: 4096,
      labels: { 'org.opencontainers.image.version': version },
      tag: version,
    });
    for (const tag of tags) await layout.tag(tag, image.manifest);
    return image.digest;
  };
  const seed = {
    signed: await build('1.0.0', []),
    foreign: await build('1.1.0', []),
    unsigned: await build('1.2.0', ['build']),
  };
  const reference = `e2e.test/${SIGNED_SERVICE}`;
  await addCosignSignature(layout, seed.signed, release.privateKey, {
    reference,
  });
  await addCosignSignature(layout, seed.foreign, stranger.privateKey, {
    reference,
  });
  return seed;
}

/** The tags of an `oci-layout` repository, read from its index.json. */
function layoutTags(dir: string): string[] {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
    manifests: { annotations?: Record<string, string> }[];
  };
  return index.manifests
    .map(m => m.annotations?.['org.opencontainers.image.ref.name'])
    .filter((t): t is string => Boolean(t));
}

/** Opens the promote dialog between two lanes and checks the candidate tagged `tag`. */
async function openPromoteDialog(
  page: Page,
  from: string,
  to: string,
  tag: string,
): Promise<Locator> {
  await page
    .getByRole('button', { name: new RegExp(`: from ${from} to ${to}$`) })
    .click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  await selectCandidate(dialog, tag);
  return dialog;
}

/** Checks the candidate whose tags start with `tag` (labelled e.g. "1.1.0, dev sha256:…"). */
async function selectCandidate(dialog: Locator, tag: string) {
  const escaped = tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await dialog
    .getByRole('radio', { name: new RegExp(`^${escaped}(,| )`) })
    .check();
}

async function main() {
  mkdirSync(REPORT, { recursive: true });
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found; apt-get install chromium`);
  }
  console.log('building the example app frontend ...');
  const build = spawnSync('yarn', ['workspace', 'app', 'build'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('yarn workspace app build failed');

  const dataDir = mkdtempSync(join(tmpdir(), 'image-promotion-e2e-'));
  const signingKey = join(dataDir, 'release-signing.pub');
  const signedSeed = await seedSignedService(dataDir, signingKey);
  let logText = '';
  await assertPortFree();
  // The backend runs straight from its sources (no watcher), in its own
  // process group so that everything it starts is stopped with it.
  const backend = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      'src/index.ts',
      '--config',
      join(ROOT, 'app-config.yaml'),
      '--config',
      join(ROOT, 'e2e-tests/app-config.e2e.yaml'),
    ],
    {
      cwd: join(ROOT, 'packages/backend'),
      detached: true,
      env: {
        ...process.env,
        E2E_PORT: String(PORT),
        E2E_DATA_DIR: dataDir,
        E2E_SIGNING_KEY: signingKey,
        NODE_ENV: 'development',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  backend.stdout?.on('data', d => (logText += d));
  backend.stderr?.on('data', d => (logText += d));

  let browser: Browser | undefined;
  try {
    console.log('starting the backend ...');
    await waitForHealth(backend, () => logText);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    activeBrowser = browser;
    const developer = await browser.newContext({
      viewport: { width: 1440, height: 1000 },
    });
    const approverContext = await browser.newContext({
      viewport: { width: 1440, height: 1000 },
    });
    await approverContext.addCookies([
      {
        name: 'image-promotion-demo-user',
        value: 'release-manager',
        url: BASE,
      },
    ]);

    let page!: Page;
    await step('guest signs in and opens the Promotion tab', async () => {
      page = await signIn(developer);
      // Sign-in (and every demo-user switch) lands on "/": it must open a
      // real page, the overview, not the app's 404.
      await page.waitForURL(url => url.pathname === '/image-promotion', {
        timeout: 30_000,
      });
      await page
        .getByRole('heading', { name: /image promotion/i })
        .first()
        .waitFor({ timeout: 30_000 });
      if (await page.getByText(/dropped the mic|ERROR 404/i).count()) {
        throw new Error('signing in landed on the 404 page');
      }
      await page.screenshot({ path: join(REPORT, 'after-sign-in.png') });
      await openTab(page);
      // Demo data: dev holds 1.1.0, qa 1.0.0 (tracking may need a moment).
      await waitForCurrent(page, 'Development', '1.1.0');
      await waitForCurrent(page, 'QA', '1.0.0');
    });

    await step(
      'the promote dialog shows what changes: version, commits, layers, size',
      async () => {
        const dialog = await openPromoteDialog(
          page,
          'Development',
          'QA',
          '1.1.0',
        );
        const changes = dialog.getByLabel('What changes');
        const labels = changes.getByRole('table', { name: 'Labels' });
        await labels.waitFor({ timeout: 30_000 });
        // Row cells: label, now in QA, candidate.
        const cells = async (label: string) =>
          (
            await labels
              .getByRole('row', { name: new RegExp(`^${label}\\b`) })
              .locator('td')
              .allTextContents()
          ).map(t => t.trim());
        const version = await cells('Version');
        if (version.join(' | ') !== '1.0.0 | 1.1.0') {
          throw new Error(`Version row: ${version.join(' | ')}`);
        }
        const [fromRevision, toRevision] = await cells('Revision');
        if (
          !/^[0-9a-f]{40}$/.test(fromRevision) ||
          !/^[0-9a-f]{40}$/.test(toRevision) ||
          fromRevision === toRevision
        ) {
          throw new Error(`Revision row: ${fromRevision} | ${toRevision}`);
        }
        const [, source] = await cells('Source');
        const expected = `https://github.com/image-promotion-demo/${SERVICE}/compare/${fromRevision}...${toRevision}`;
        if (source !== `https://github.com/image-promotion-demo/${SERVICE}`) {
          throw new Error(`Source row: ${source}`);
        }
        const link = changes.getByRole('link', {
          name: `${fromRevision.slice(0, 12)}…${toRevision.slice(0, 12)}`,
        });
        if ((await link.getAttribute('href')) !== expected) {
          throw new Error(
            `the commit link goes to ${await link.getAttribute(
              'href',
            )}, expected ${expected}`,
          );
        }
        // 1.1.0 keeps 1.0.0's base layer and replaces its 4 KiB app layer with a 6 KiB one.
        await changes
          .getByText(
            /^Layers: 1 layer added \(\d[\d.]* KiB\), 1 removed \(\d[\d.]* KiB\), 1 shared\.$/,
          )
          .waitFor({ timeout: 5_000 });
        await changes
          .getByText(/^Size: [\d.]+ KiB → [\d.]+ KiB \(\+[\d.]+ KiB\)$/)
          .waitFor({ timeout: 5_000 });
        await runAxe(page, 'promote-dialog-changes', ['[role="dialog"]']);
        await changes.scrollIntoViewIfNeeded();
        await page.screenshot({
          path: join(REPORT, 'promote-dialog-changes.png'),
          animations: 'disabled',
        });
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        await dialog.waitFor({ state: 'detached', timeout: 10_000 });
      },
    );

    await step('promote dev → qa succeeds and shows in history', async () => {
      // Click-to-done: from the dialog's Promote to the QA lane showing the version, watched
      // in the page itself (no test-side polling interval in the number).
      let clicked = 0;
      const shown = page.waitForFunction(
        () =>
          document
            .querySelector('[aria-label="Current tag in QA"]')
            ?.textContent?.includes('1.1.0') ?? false,
        undefined,
        { polling: 'raf', timeout: 90_000 },
      );
      await promote(page, 'Development', 'QA', '1.1.0', /^Promote$/, {
        beforeConfirm: async () => {
          clicked = Date.now();
        },
      });
      await shown;
      timings.devToQaMs = Date.now() - clicked;
      await waitForCurrent(page, 'QA', '1.1.0');
      const history = page.getByRole('table').filter({ hasText: 'QA' });
      await history
        .getByText(/succeeded/i)
        .first()
        .waitFor({ timeout: 30_000 });
      // The change summary stored with the promotion, in History's Changes column.
      await history
        .getByRole('row')
        .filter({ hasText: 'Development → QA' })
        .filter({ hasText: '1.0.0 → 1.1.0' })
        .filter({ hasText: /\+1 −1 layers · \+[\d.]+ KiB/ })
        .first()
        .waitFor({ timeout: 10_000 });
      await page.screenshot({
        path: join(REPORT, 'promotion-tab-after-qa.png'),
        fullPage: true,
      });
    });

    await step('promote qa → staging succeeds', async () => {
      await promote(page, 'QA', 'Staging', '1.1.0', /^Promote$/);
      await waitForCurrent(page, 'Staging', '1.1.0');
    });

    await step(
      'prod waits for approval; the requester cannot approve',
      async () => {
        // Requested during Production's soak time: accepted now, started when the soak ends.
        // The lane's button says so before the click instead of promising a ready promotion.
        const held = page.getByRole('button', {
          name: 'Promote 1.1.0 · soaking: from Staging to Production',
        });
        await held.waitFor({ timeout: 30_000 });
        await held.hover();
        await page
          .getByRole('tooltip')
          .filter({ hasText: /^Soak time: 1\.1\.0 has soaked .* Approvals: / })
          .waitFor({ timeout: 5_000 });
        await page.screenshot({
          path: join(REPORT, 'promote-button-held.png'),
          animations: 'disabled',
        });
        await page.mouse.move(0, 0);
        await promote(
          page,
          'Staging',
          'Production',
          '1.1.0',
          /Request approval/,
          {
            reason: 'Release 1.1.0 before the sale',
            beforeConfirm: async dialog => {
              const when = dialog.getByRole('alert', {
                name: 'When it starts',
              });
              await when.waitFor({ timeout: 30_000 });
              const text = (await when.textContent()) ?? '';
              if (!/starts by itself at .*\d{1,2}:\d{2}:\d{2}/.test(text)) {
                throw new Error(`no exact start time in: ${text}`);
              }
              await runAxe(page, 'promote-dialog', ['[role="dialog"]']);
              await page.screenshot({
                path: join(REPORT, 'promote-dialog-during-soak.png'),
                animations: 'disabled',
              });
            },
          },
        );
        await page
          .getByLabel(/Pending promotion of 1\.1\.0 to Production/)
          .waitFor({ timeout: 30_000 });
        const approve = page.getByRole('button', {
          name: /Approve promotion of 1\.1\.0 to Production/,
        });
        if ((await approve.count()) > 0) {
          throw new Error('the requester was offered the Approve button');
        }
        await page.screenshot({
          path: join(REPORT, 'promotion-tab-pending-approval.png'),
          fullPage: true,
        });
      },
    );

    let approver!: Page;
    await step(
      'the release manager rejects from the inbox with a comment; the requester reads it and retries',
      async () => {
        approver = await signIn(approverContext);
        await gotoSignedIn(approver, INBOX);
        const request = approver.getByRole('article', {
          name: /Approval request: 1\.1\.0 of checkout-service to Production/,
        });
        await request.waitFor({ timeout: 60_000 });
        await request.getByRole('button', { name: /^Reject/ }).click();
        const confirm = approver.getByRole('dialog', { name: /^Reject / });
        await confirm
          .getByRole('textbox', { name: /Why/ })
          .fill('Not during the sale freeze talks');
        await confirm.getByRole('button', { name: 'Reject' }).click();
        await request.waitFor({ state: 'detached', timeout: 30_000 });

        await openTab(page);
        const details = await openDetails(
          page,
          /Details of 1\.1\.0 to Production/,
        );
        await details
          .getByText(
            /Rejected by release-manager .*Not during the sale freeze talks/,
          )
          .waitFor({ timeout: 30_000 });
        await page.screenshot({
          path: join(REPORT, 'detail-rejected.png'),
          // The dialog fades in: a shot mid-transition shows it half transparent.
          animations: 'disabled',
        });
        // The detail view lives in the URL (?promotion=<id>); Retry shows the new promotion
        // there. Wait for that before closing, or the retry's answer reopens the dialog later.
        const shown = () => new URL(page.url()).searchParams.get('promotion');
        const rejected = shown();
        await details.getByRole('button', { name: 'Retry' }).click();
        await page.waitForURL(
          url => {
            const id = url.searchParams.get('promotion');
            return Boolean(id) && id !== rejected;
          },
          { timeout: 30_000 },
        );
        await details
          .getByText(/Waiting for approval/)
          .first()
          .waitFor({ timeout: 30_000 });
        await details.getByRole('button', { name: 'Close' }).click();
        await details.waitFor({ state: 'detached', timeout: 10_000 });
      },
    );

    await step(
      'the release manager is notified and approves from the inbox with a comment',
      async () => {
        await gotoSignedIn(approver, `${BASE}/notifications`);
        await approver
          .getByText(/Approval needed: checkout-service 1\.1\.0 → Production/)
          .first()
          .waitFor({ timeout: 60_000 });
        await approver.screenshot({
          path: join(REPORT, 'notifications-release-manager.png'),
          fullPage: true,
        });
        await gotoSignedIn(approver, INBOX);
        const request = approver.getByRole('article', {
          name: /Approval request: 1\.1\.0 of checkout-service to Production/,
        });
        await request.waitFor({ timeout: 60_000 });
        await runAxe(approver, 'inbox', ['main']);
        await request
          .getByRole('textbox', { name: 'Comment for the requester' })
          .fill('Ship it after the soak');
        await approver.screenshot({
          path: join(REPORT, 'inbox.png'),
          fullPage: true,
        });
        await request.getByRole('button', { name: /^Approve/ }).click();
        await request.waitFor({ state: 'detached', timeout: 30_000 });

        // Decided: the release manager's "Approval needed" is replaced, not left stale.
        await gotoSignedIn(approver, `${BASE}/notifications`);
        await approver
          .getByText(/No longer waiting: checkout-service 1\.1\.0 → Production/)
          .first()
          .waitFor({ timeout: 60_000 });
        const stale = await approver.getByText(/Approval needed:/).count();
        if (stale > 0) {
          throw new Error(
            `${stale} "Approval needed" notification(s) stayed after the decision`,
          );
        }
        await approver.screenshot({
          path: join(REPORT, 'notifications-after-approval.png'),
          fullPage: true,
        });
      },
    );

    await step('another user approves and prod succeeds', async () => {
      // The worker starts it once the soak time has passed.
      await openTab(approver);
      await waitForCurrent(approver, 'Production', '1.1.0');
      await waitForCurrent(page, 'Production', '1.1.0');
      await page
        .getByRole('region', { name: 'Production environment' })
        .getByText(/Promoted .* by guest, approved by release-manager/)
        .waitFor({ timeout: 30_000 });
      await page.screenshot({
        path: join(REPORT, 'promotion-tab.png'),
        fullPage: true,
      });
    });

    await step(
      "the requester sees the approver's comment in the detail view",
      async () => {
        const details = await openDetails(
          page,
          /Details of the promotion into Production/,
        );
        await details
          .getByText(/Approved by release-manager .*Ship it after the soak/)
          .waitFor({ timeout: 30_000 });
        await details
          .getByText('Release 1.1.0 before the sale', { exact: true })
          .first()
          .waitFor();
        await page.screenshot({
          path: join(REPORT, 'detail-approved.png'),
          // The dialog fades in: a shot mid-transition shows it half transparent.
          animations: 'disabled',
        });
        await details.getByRole('button', { name: 'Close' }).click();
      },
    );

    await step('QA rolls back to 1.0.0 from its lane', async () => {
      await page
        .getByRole('button', { name: 'Roll back to 1.0.0 in QA' })
        .click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText(/This is a rollback/).waitFor({ timeout: 30_000 });
      const confirm = dialog.getByRole('button', { name: /^Promote$/ });
      const deadline = Date.now() + 30_000;
      while (!(await confirm.isEnabled())) {
        if (Date.now() > deadline) throw new Error('rollback stayed disabled');
        await page.waitForTimeout(250);
      }
      await confirm.click();
      await waitForCurrent(page, 'QA', '1.0.0');
      // Onward from QA would take Staging back; into QA, 1.1.0 is the way forward again.
      await page
        .getByRole('button', {
          name: 'Promote 1.0.0 · older: from QA to Staging',
        })
        .waitFor({ timeout: 10_000 });
      await page
        .getByRole('button', {
          name: 'Promote 1.1.0: from Development to QA',
        })
        .waitFor({ timeout: 10_000 });
      await runAxe(page, 'promotion-tab', ['[data-image-promotion="tab"]']);
      await page.screenshot({
        path: join(REPORT, 'promotion-tab-after-rollback.png'),
        fullPage: true,
      });
    });

    await step('at 1280×800 the Production lane is fully visible', async () => {
      const small = await browser!.newContext({
        viewport: { width: 1280, height: 800 },
      });
      const smallPage = await signIn(small);
      await openTab(smallPage);
      await waitForCurrent(smallPage, 'Production', '1.1.0');
      const box = await smallPage
        .getByRole('region', { name: 'Production environment' })
        .boundingBox();
      await smallPage.screenshot({
        path: join(REPORT, 'promotion-tab-1280x800.png'),
      });
      if (!box || box.x < 0 || box.x + box.width > 1280) {
        throw new Error(
          `the Production lane is cut off at 1280 px: ${JSON.stringify(box)}`,
        );
      }
      if (box.y + box.height > 800) {
        throw new Error(
          `the Production lane runs below the fold at 800 px: ${JSON.stringify(
            box,
          )}`,
        );
      }
      await small.close();
    });

    await step('the overview page lists the services', async () => {
      await page.goto(`${BASE}/image-promotion`);
      await page.getByText('payments-service').first().waitFor({
        timeout: 60_000,
      });
      await page.getByText('inventory-service').first().waitFor();
      // The version a manager knows, not the environment's own tag.
      const row = page.getByRole('row').filter({ hasText: SERVICE });
      await row
        .getByLabel('Production: 1.1.0', { exact: true })
        .waitFor({ timeout: 30_000 });
      // The row opens the component's Promotion tab.
      const link = row.getByRole('link', { name: /open its Promotion tab/ });
      if (
        !(await link.getAttribute('href'))?.endsWith(`${SERVICE}/promotion`)
      ) {
        throw new Error(`the row links to ${await link.getAttribute('href')}`);
      }
      if ((await page.locator('main').count()) === 0) {
        throw new Error('the overview has no <main> landmark');
      }
      await runAxe(page, 'overview', ['main']);
      await page.screenshot({
        path: join(REPORT, 'overview.png'),
        fullPage: true,
      });
    });

    await step('the Promotion tab renders in the dark theme', async () => {
      const dark = await browser!.newContext({
        viewport: { width: 1440, height: 1000 },
        colorScheme: 'dark',
      });
      // Backstage keeps the chosen theme in local storage.
      await dark.addInitScript(() =>
        window.localStorage.setItem('theme', 'dark'),
      );
      const darkPage = await signIn(dark);
      await openTab(darkPage);
      await waitForCurrent(darkPage, 'Production', '1.1.0');
      const background = await darkPage.evaluate(
        () => getComputedStyle(document.body).backgroundColor,
      );
      const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
      if (!(r + g + b < 200)) {
        throw new Error(`expected a dark page background, got ${background}`);
      }
      await runAxe(darkPage, 'promotion-tab-dark', [
        '[data-image-promotion="tab"]',
      ]);
      await darkPage.screenshot({
        path: join(REPORT, 'promotion-tab-dark.png'),
        fullPage: true,
      });
      await darkPage.goto(`${BASE}/image-promotion`);
      await darkPage.getByText('payments-service').first().waitFor({
        timeout: 60_000,
      });
      await runAxe(darkPage, 'overview-dark', ['main']);
      await darkPage.screenshot({
        path: join(REPORT, 'overview-dark.png'),
        fullPage: true,
      });
    });

    await step(
      'a registry the backend cannot read shows on its lane, with the reason',
      async () => {
        // Staging's directory becomes a file: reading its layout fails with ENOTDIR.
        const staging = join(dataDir, 'staging');
        renameSync(staging, `${staging}.moved`);
        writeFileSync(staging, 'not a directory');
        try {
          await openTab(page);
          await page
            .getByRole('button', { name: 'Refresh from registries' })
            .click();
          const lane = page.getByRole('region', {
            name: 'Staging environment',
          });
          const alert = lane.getByRole('alert', {
            name: 'Cannot read the Staging registry',
          });
          await alert.waitFor({ timeout: 60_000 });
          const text = (await alert.textContent()) ?? '';
          if (
            !/Cannot read the Staging registry: .*file, not a directory.*last tried/.test(
              text,
            ) ||
            text.includes(dataDir)
          ) {
            throw new Error(`the lane says: ${text}`);
          }
          await lane.screenshot({
            path: join(REPORT, 'lane-unreadable-registry.png'),
          });
        } finally {
          rmSync(staging, { force: true });
          renameSync(`${staging}.moved`, staging);
        }
      },
    );

    await step(
      'the signature gate refuses an unsigned build and one signed by another key, naming the key',
      async () => {
        await openTab(page, SIGNED_TAB);
        await waitForCurrent(page, 'Build', '1.2.0');
        const dialog = await openPromoteDialog(
          page,
          'Build',
          'Release',
          '1.2.0',
        );
        const confirm = dialog.getByRole('button', { name: /^Promote$/ });
        const refusedBy = async (digest: string, found: RegExp) => {
          // The previous choice's verdict stays on screen until the new one arrives.
          const gate = dialog.getByRole('listitem', {
            name: new RegExp(`^Signatures failed: .*${digest}`),
          });
          await gate.waitFor({ timeout: 30_000 });
          const text = (await gate.getAttribute('aria-label')) ?? '';
          if (
            !text.includes(
              `Release requires a signature of ${digest} by ${SIGNING_KEY_NAME}; in Build found `,
            ) ||
            !found.test(text)
          ) {
            throw new Error(`the signature gate says: ${text}`);
          }
          // Only the signature gate fails: order, approvals and tags are fine.
          const failed = await dialog
            .getByRole('listitem', { name: / failed: / })
            .count();
          if (failed !== 1) {
            throw new Error(`${failed} gates failed, expected only Signatures`);
          }
          if (await confirm.isEnabled()) {
            throw new Error('Promote is enabled for a refused build');
          }
          // The note names the gate; the gate's sentence (what to fix) is said once, in the list.
          await dialog
            .getByRole('note')
            .filter({
              hasText:
                /^Policy refuses this promotion: the Signatures check fails\./,
            })
            .waitFor({ timeout: 5_000 });
          const sayings = await dialog
            .getByText(`requires a signature of ${digest} by`)
            .count();
          if (sayings !== 1) {
            throw new Error(`the refusal is said ${sayings} times, not once`);
          }
        };
        const sigTag = (digest: string) => `${digest.replace(':', '-')}.sig`;
        await refusedBy(
          signedSeed.unsigned,
          new RegExp(
            `in Build found no cosign signature \\(no ${sigTag(
              signedSeed.unsigned,
            )} tag\\); no Sigstore bundle`,
          ),
        );
        await runAxe(page, 'promote-dialog-signature-refused', [
          '[role="dialog"]',
        ]);
        await page.screenshot({
          path: join(REPORT, 'signature-gate-unsigned.png'),
          animations: 'disabled',
        });
        await selectCandidate(dialog, '1.1.0');
        await refusedBy(
          signedSeed.foreign,
          /found a signature in sha256-[0-9a-f]{64}\.sig that none of the keys verifies \(signed by another key, or tampered with\)/,
        );
        await page.screenshot({
          path: join(REPORT, 'signature-gate-other-key.png'),
          animations: 'disabled',
        });
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        await dialog.waitFor({ state: 'detached', timeout: 10_000 });
      },
    );

    await step(
      'the signature gate passes for the build signed with the release key; it is promoted with its signature',
      async () => {
        await promote(page, 'Build', 'Release', '1.0.0', /^Promote$/, {
          beforeConfirm: async dialog => {
            await dialog.getByRole('button', { name: 'Show checks' }).click();
            await dialog
              .getByRole('listitem', {
                name: `Signatures passed: Signed by ${SIGNING_KEY_NAME}.`,
              })
              .waitFor({ timeout: 10_000 });
            await runAxe(page, 'promote-dialog-signature-passed', [
              '[role="dialog"]',
            ]);
            await page.screenshot({
              path: join(REPORT, 'signature-gate-passed.png'),
              animations: 'disabled',
            });
          },
        });
        await waitForCurrent(page, 'Release', '1.0.0');
        await page
          .getByRole('table')
          .filter({ hasText: 'Release' })
          .getByText(/succeeded/i)
          .first()
          .waitFor({ timeout: 30_000 });
        // The gated environment copies with referrers on: the signature travels with the image.
        const tags = layoutTags(join(dataDir, 'release', SIGNED_SERVICE));
        const sigTag = `${signedSeed.signed.replace(':', '-')}.sig`;
        if (!tags.includes(sigTag) || !tags.includes('1.0.0')) {
          throw new Error(`Release holds ${tags.join(', ')}; no ${sigTag}`);
        }
        await page.screenshot({
          path: join(REPORT, 'signature-gate-promoted.png'),
          fullPage: true,
        });
      },
    );
  } catch (error) {
    if (!results.some(r => !r.ok)) {
      results.push({ name: 'set-up', ok: false, detail: String(error) });
      console.log(`  ✗ set-up\n    ${error}`);
    }
  } finally {
    await browser?.close();
    await stopGroup(backend);
    rmSync(dataDir, { recursive: true, force: true });
  }

  if (timings.devToQaMs !== undefined) {
    console.log(
      `time from clicking Promote (dev → qa) to qa showing 1.1.0: ${timings.devToQaMs} ms`,
    );
  }
  const passed = results.filter(r => r.ok).length;
  const failed = results.length - passed;
  if (failed) {
    // The whole log goes to the report; the console gets what explains a
    // failed promotion (the tail is mostly the tracking loop).
    writeFileSync(join(REPORT, 'backend.log'), logText);
    const promotionLines = logText
      .split('\n')
      .filter(line => /Promotion |\bwarn\b|\berror\b/i.test(line))
      .slice(-40)
      .join('\n');
    console.log(
      `backend log, promotion lines and warnings:\n${promotionLines}\n(all of it: ${join(
        REPORT,
        'backend.log',
      )})`,
    );
  }
  console.log(`screenshots: ${REPORT}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch(error => {
  console.error(error);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
});
