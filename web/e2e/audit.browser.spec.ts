import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createSession, startPlatformSession, type PlatformSession, type TestSession } from '@llmlab/testing';
import { verifyExport, type AuditKeySet } from '@llmlab/transparency';
import { ensureWebBuild, eventually, launchChromium, loggedInPage, SCREENSHOTS, seriousA11yViolations, WEB_DIST } from './browser';

jest.setTimeout(180_000);

// The audit log page on the whole platform: a few changes made through the API, the log listing them with who did
// what, a filter, the verification's status and the latest signed head, and an export that verifies offline.
describe('audit log page', () => {
  let session: PlatformSession;
  let platform: PlatformSession['platform'];
  let owner: TestSession;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    ensureWebBuild();
    mkdirSync(SCREENSHOTS, { recursive: true });
    session = await startPlatformSession({ env: { WEB_DIST_DIR: WEB_DIST } });
    platform = session.platform;
    owner = await createSession(platform.gatewayUrl, { organizationName: 'Acme', projectName: 'support-agent' });
    await owner.agent.post(`/v1/organizations/${owner.organizationId}/projects`, { name: 'checkout-bot' });
    await owner.agent.patch(`/v1/organizations/${owner.organizationId}`, { name: 'Acme Inc.' });
    await owner.agent.post(`/v1/projects/${owner.projectId}/api-keys`, { name: 'ci ingest', scopes: ['ingest'] });
    // Everything the page lists is in the index, and a signed head covers it.
    await eventually(async () => {
      const res = await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/events?type=ApiKeyCreated&limit=10`);
      return res.body.data?.length === 2;
    }, 'the changes in the audit index');
    browser = await launchChromium();
    page = await loggedInPage(browser, platform.gatewayUrl.replace('127.0.0.1', 'localhost'), owner, {
      width: 1280,
      height: 900,
      consoleErrors,
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await session?.stop();
  }, 60_000);

  it('lists who did what, filters it, shows the signed head, and exports a log that verifies offline', async () => {
    const base = platform.gatewayUrl.replace('127.0.0.1', 'localhost');
    await page.goto(`${base}/orgs/${owner.organizationId}/audit`);
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await page.getByText('Verified', { exact: true }).waitFor();
    const table = page.getByRole('table', { name: 'Audit log' });
    await table.getByText('API key “ci ingest”', { exact: false }).waitFor();
    await expect(table.textContent()).resolves.toContain('Project “checkout-bot” was created');
    await expect(table.textContent()).resolves.toContain('name: "Acme" → "Acme Inc."');
    // Names come from auth when the page is read; a page served while auth was too slow shows ids (and the
    // audit service logs why), so a slow machine may need a reload.
    await eventually(async () => {
      if ((await table.textContent())?.includes(owner.name)) return true;
      await page.reload();
      await table.getByText('API key “ci ingest”', { exact: false }).waitFor();
      return false;
    }, "the members' names");
    await page.screenshot({ path: join(SCREENSHOTS, 'audit.png'), fullPage: true });
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByLabel('Event type').fill('ProjectCreated');
    await page.getByLabel('Event type').press('Enter');
    await page.waitForURL(/type=ProjectCreated/);
    await eventually(async () => (await table.getByRole('row').count()) === 3, 'two projects created, and the header row');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON Lines' }).click()]);
    const file = join(mkdtempSync(join(tmpdir(), 'llmlab-audit-')), 'audit.jsonl');
    await download.saveAs(file);
    const keys = (await (await fetch(`${platform.gatewayUrl}/.well-known/llmlab-audit-keys.json`)).json()) as AuditKeySet;
    const lines = readFileSync(file, 'utf8').split('\n');
    const result = await verifyExport(
      (async function* () {
        yield* lines;
      })(),
      { keys },
    );
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.proven).toBeGreaterThan(5);
    // How long usage detail is kept, set on the same page, at the revision it read.
    const retention = page.getByRole('form', { name: 'Retention' });
    await page.getByText('Kept forever').waitFor();
    await retention.getByLabel('Days to keep').fill('20');
    await retention.getByRole('button', { name: 'Save' }).click();
    // Refused by the API, which names the field: the message stands beside the input.
    await retention.locator('input[aria-invalid="true"]').waitFor();
    await retention.getByLabel('Days to keep').fill('90');
    await retention.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Kept 90 days').waitFor();
    await page.getByRole('region', { name: 'Retention of usage detail' }).screenshot({ path: join(SCREENSHOTS, 'audit-retention.png') });
    const stored = await owner.agent.get(`/v1/organizations/${owner.organizationId}/usage-retention`);
    expect(stored.body).toMatchObject({ usageRetentionDays: 90, revision: 0 });

    // The login page's session probe answers 401 before the login, and the refused retention 400: nothing else may
    // fail.
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
  });
});
