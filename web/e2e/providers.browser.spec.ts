import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { LLMLab } from '@llmlab/sdk';
import {
  createSession,
  createTestDatabase,
  FakeOpenAiServer,
  TestPlatform,
  verifyEmail,
  type TestDatabase,
  type TestSession,
} from '@llmlab/testing';
import { ensureWebBuild, eventually, launchChromium, loggedInPage, SCREENSHOTS, seriousA11yViolations, WEB_DIST } from './browser';

jest.setTimeout(120_000);

const ADMIN_KEY = 'sk-admin-browser-test-7c1e';
const DAY_MS = 86_400_000;
/** Two complete UTC days before today: the reconciliation only judges days that are over. */
const day = (daysAgo: number) => new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - daysAgo * DAY_MS).toISOString().slice(0, 10);
const EARLIER = day(3);
const LATER = day(2);

// An admin connects an OpenAI organization in the browser (a local server speaking OpenAI's Costs API, trusted by the
// operator through PROVIDER_SYNC_TRUSTED_ORIGINS), maps its project, syncs two days now, follows the run to its end,
// and reads the imported bill against what was recorded on the reconciliation page.
describe('provider connections in a browser', () => {
  let db: TestDatabase;
  let platform: TestPlatform;
  let owner: TestSession;
  let browser: Browser;
  let page: Page;
  let base: string;
  const consoleErrors: string[] = [];
  const openai = new FakeOpenAiServer();

  async function expectAccessible(name: string) {
    const violations = await seriousA11yViolations(page);
    expect({ page: name, violations }).toEqual({ page: name, violations: [] });
  }
  async function visit(path: string) {
    await page.goto(`${base}/orgs/${owner.organizationId}/${path}`);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
  }

  beforeAll(async () => {
    ensureWebBuild();
    mkdirSync(SCREENSHOTS, { recursive: true });
    db = await createTestDatabase();
    await openai.start();
    openai.adminKeys.add(ADMIN_KEY);
    // What OpenAI billed, in dollars as its JSON numbers: the earlier day all on the mapped project; the later one
    // $10 there and $2.50 on the default project (a `null` project_id), which no SDK recorded.
    openai.costs.push(
      { day: EARLIER, project: 'proj_checkout', lineItem: 'gpt-4o, input', amount: '6.25' },
      { day: EARLIER, project: 'proj_checkout', lineItem: 'gpt-4o, output', amount: '3.75' },
      { day: LATER, project: 'proj_checkout', lineItem: 'gpt-4o, input', amount: '10.000000000000' },
      { day: LATER, project: null, lineItem: 'gpt-4o, input', amount: '2.5' },
    );
    platform = await TestPlatform.start({
      databaseUrl: db.url,
      env: {
        MASTER_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        PROVIDER_SYNC_TRUSTED_ORIGINS: openai.url,
        WEB_DIST_DIR: WEB_DIST,
      },
    });
    await platform.waitForReadiness(200, 60_000);
    owner = await createSession(platform.gatewayUrl, { organizationName: 'Acme', projectName: 'checkout-bot' });
    await verifyEmail(platform.mailbox, owner);
    // What the SDK recorded: each day's $10 of the mapped project.
    const llmlab = new LLMLab({ apiKey: owner.apiKey.key, baseUrl: platform.gatewayUrl, flushOnExit: false });
    for (const d of [EARLIER, LATER]) {
      llmlab.record({
        provider: 'openai',
        model: 'gpt-4o',
        timestamp: `${d}T12:00:00.000Z`,
        latencyMs: 400,
        usage: { inputTokens: 1000, outputTokens: 100 },
        cost: { amount: '10.00', currency: 'USD' },
      });
    }
    await llmlab.shutdown();

    base = platform.gatewayUrl.replace('127.0.0.1', 'localhost');
    browser = await launchChromium();
    page = await loggedInPage(browser, base, owner, { width: 1280, height: 860, consoleErrors, acceptDialogs: true });
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await openai.stop();
    await db?.drop();
  }, 60_000);

  it('adds a connection: the key the provider refuses is named beside its field, the one it accepts is kept as a hint', async () => {
    await visit('providers');
    await page.getByText('No connection yet').waitFor();
    const form = page.getByRole('form', { name: 'New provider connection' });
    await form.getByLabel('Provider').selectOption('openai');
    await form.getByLabel('Name').fill('OpenAI production');
    await form.getByLabel('Admin key').fill('sk-admin-browser-test-0000');
    await form.getByLabel('Base URL (optional)').fill(openai.url);
    await form.getByRole('button', { name: 'Add connection' }).click();
    await form.getByText('the provider refused the admin key').waitFor();
    expect(await form.getByLabel('Admin key').getAttribute('aria-invalid')).toBe('true');

    await form.getByLabel('Admin key').fill(ADMIN_KEY);
    await form.getByRole('button', { name: 'Add connection' }).click();
    const row = page.getByRole('table', { name: 'Provider connections' }).getByRole('row', { name: /OpenAI production/ });
    await row.getByText('…7c1e').waitFor();
    await row.getByText('never synced').waitFor();
    await page.getByRole('heading', { name: 'OpenAI production (OpenAI)' }).waitFor();
    expect(await page.content()).not.toContain(ADMIN_KEY);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/^OpenAI accepted the key \(\d+ ms\)\.$/).waitFor();
    await expectAccessible('provider connections');
  });

  it('maps the provider project, syncs the two days now and follows the run until it completed', async () => {
    const mappings = page.getByRole('form', { name: 'Project mappings' });
    await mappings.getByRole('button', { name: 'Add a mapping' }).click();
    await mappings.getByLabel('OpenAI project id 1').fill('proj_checkout');
    await mappings.getByLabel('LLMLab project 1').selectOption({ label: 'checkout-bot' });
    await mappings.getByRole('button', { name: 'Save mappings' }).click();
    await mappings.getByText('Saved: 1 mapped.').waitFor();

    const sync = page.getByRole('form', { name: 'Sync now' });
    await sync.getByLabel('From (UTC day, optional)').fill(EARLIER);
    await sync.getByLabel('To (UTC day included, optional)').fill(LATER);
    await sync.getByRole('button', { name: 'Sync now' }).click();
    const run = page
      .getByRole('table', { name: /Sync runs of OpenAI production/ })
      .getByTestId('sync-run')
      .first();
    await run.getByText(`${EARLIER} – ${LATER}`).waitFor();
    // The page polls the run: no reload.
    await run.locator('.badge-completed').waitFor({ timeout: 60_000 });
    expect(await run.locator('td').nth(4).textContent()).toBe('4');
    await page
      .getByRole('table', { name: 'Provider connections' })
      .getByRole('row', { name: /OpenAI production/ })
      .getByText('completed')
      .waitFor();
    await page.getByRole('region', { name: 'Billed in the last 30 days, as imported' }).getByText('$22.50').first().waitFor();
    await page.waitForFunction(`document.querySelectorAll('[role="status"].loading').length === 0`);
    await expectAccessible('provider connection, synced');
    await page.screenshot({ path: join(SCREENSHOTS, 'providers.png'), fullPage: true });
    expect(openai.requests.some((r) => r.path === '/v1/organization/costs' && r.headers.authorization === `Bearer ${ADMIN_KEY}`)).toBe(
      true,
    );
  });

  it('shows the imported bill against what was recorded: one day matched, the other unrecorded, by project too', async () => {
    await visit('reconciliation');
    const table = page.getByRole('table', { name: 'Billed against recorded spend, in USD' });
    const matched = table.locator('tbody tr', { hasText: EARLIER });
    const unrecorded = table.locator('tbody tr', { hasText: LATER });
    await eventually(
      async () => (await unrecorded.textContent())?.includes('Unrecorded') && (await matched.textContent())?.includes('Matched'),
      'the two reconciled days',
      10_000,
    );
    expect(await unrecorded.locator('td').allTextContents()).toEqual(['openai', '$12.50', '$10.00', '$2.50', '20.00 %', 'Unrecorded']);
    expect(await matched.locator('td').allTextContents()).toEqual(['openai', '$10.00', '$10.00', '$0.00', '0.00 %', 'Matched']);
    await page.locator('[data-testid="billed-recorded-chart"][data-drawn="true"]').waitFor();
    await page.waitForFunction(`document.querySelectorAll('[role="status"].loading').length === 0`);
    await expectAccessible('reconciliation');
    await page.screenshot({ path: join(SCREENSHOTS, 'reconciliation.png'), fullPage: true });

    await page.getByLabel('Rows').selectOption('project');
    await table.locator('tbody tr', { hasText: 'No mapped project' }).waitFor();
    const byProject = await table
      .locator('tbody tr')
      .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('th, td')].map((c) => c.textContent).join(' | ')));
    expect(byProject).toEqual([
      `${EARLIER} | openai | checkout-bot | $10.00 | $10.00 | $0.00 | 0.00 % | Matched`,
      `${LATER} | openai | No mapped project | $2.50 | $0.00 | $2.50 | 100.00 % | Unrecorded`,
      `${LATER} | openai | checkout-bot | $10.00 | $10.00 | $0.00 | 0.00 % | Matched`,
    ]);
    // Only the refusals the journey asked for: the first load before the login (401) and the refused key (422).
    expect(consoleErrors.filter((e) => !/status of (401|422)/.test(e))).toEqual([]);
  });
});
