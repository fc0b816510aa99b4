import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LLMLab } from '@llmlab/sdk';
import { createTestDatabase, TestPlatform, uniqueSuffix, type TestDatabase, Receiver } from '@llmlab/testing';
import { verifyWebhookSignature } from '@llmlab/notifications';
import { ensureWebBuild, eventually, launchChromium, SCREENSHOTS, seriousA11yViolations, WEB_DIST, webStorage } from './browser';

jest.setTimeout(120_000);

const HOOK = '/hooks/llmlab';

// A new user's first session, in Chromium, on the whole platform: sign up in the form, create a project and a key,
// send usage with the SDK, read the exact total on the overview, create a budget, see its alert fire and reach a
// webhook, revoke the key. axe-core checks every page; no credential ever sits in web storage.
describe('the dashboard in a browser', () => {
  let db: TestDatabase;
  let platform: TestPlatform;
  let receiver: Receiver;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  const consoleErrors: string[] = [];
  const credentials: string[] = [];
  const user = {
    name: 'Ada Lovelace-Byron of the Analytical Engine Society',
    email: `ada-${uniqueSuffix()}@example.com`,
    password: 'correct horse battery staple',
  };
  const ids = { org: '', project: '' };
  let apiKey = '';
  let signingSecret = '';
  let apiToken = '';

  /** The API as the same user, from here (a JSON login: the browser's session is not touched). */
  async function api(path: string): Promise<Response> {
    if (!apiToken) {
      const login = await fetch(`${platform.gatewayUrl}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: user.password }),
      });
      apiToken = ((await login.json()) as { accessToken: string }).accessToken;
    }
    return fetch(platform.gatewayUrl + path, { headers: { authorization: `Bearer ${apiToken}` } });
  }

  async function expectAccessible(name: string) {
    const violations = await seriousA11yViolations(page);
    expect({ page: name, violations }).toEqual({ page: name, violations: [] });
  }
  async function shoot(name: string, fullPage = true) {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
  }
  async function visit(path: string) {
    await page.goto(`${base}/orgs/${ids.org}/${path}`);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
  }

  beforeAll(async () => {
    ensureWebBuild();
    mkdirSync(SCREENSHOTS, { recursive: true });
    db = await createTestDatabase();
    receiver = await new Receiver().start();
    receiver.on(HOOK, { status: 204 });
    platform = await TestPlatform.start({
      databaseUrl: db.url,
      env: {
        MASTER_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        ALERTS_TRUSTED_ORIGINS: receiver.origin,
        ALERTS_EVALUATION_INTERVAL_MS: '2000',
        WEB_DIST_DIR: WEB_DIST,
      },
    });
    await platform.waitForReadiness(200, 60_000);
    base = platform.gatewayUrl.replace('127.0.0.1', 'localhost');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('dialog', (d) => void d.accept());
    // Every access token the gateway hands the page: none may end up in web storage.
    page.on('response', (res) => {
      if (!/\/v1\/auth\/session\/(login|signup|refresh)$/.test(new URL(res.url()).pathname) || !res.ok()) return;
      void res.json().then(
        (body: { accessToken?: string }) => body.accessToken && credentials.push(body.accessToken),
        () => undefined,
      );
    });
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await receiver?.stop();
    await db?.drop();
  }, 60_000);

  async function expectNoCredentialInStorage() {
    const storage = await webStorage(page);
    const stored = JSON.stringify([storage.local, storage.session]);
    for (const secret of [...credentials, apiKey, signingSecret, user.password].filter(Boolean)) expect(stored).not.toContain(secret);
    expect(stored).not.toMatch(/eyJ[\w-]+\.[\w-]+|rt_|llm_(live|test)_|whsec_/);
    expect(storage.cookie).not.toContain('llmlab_refresh');
  }

  it('signs a new user up in the form and shows the getting-started steps', async () => {
    await page.goto(`${base}/`);
    await page.waitForURL(/\/login$/);
    await expectAccessible('login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Your name').fill(user.name);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByLabel('Organization name').fill('Analytical Engines International Holdings, Research and Development Division');
    await shoot('signup', false);
    await expectAccessible('signup');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]{36}\/overview/);
    ids.org = /\/orgs\/([0-9a-f-]{36})\//.exec(page.url())![1];
    await page.getByRole('heading', { name: 'Send your first event' }).waitFor();
    // Signed up, in the product, reminded to verify the address.
    await page.getByRole('region', { name: 'Email verification' }).waitFor();
    await expectAccessible('getting started');
    await expectNoCredentialInStorage();
    expect(credentials).toHaveLength(1);
  });

  it('verifies the address with the link of the mail sent at signup', async () => {
    const token = await platform.mailbox.linkToken(user.email, '/verify-email', /Verify/);
    await page.goto(`${base}/verify-email?token=${encodeURIComponent(token)}`);
    await expectAccessible('verify email');
    await page.getByRole('button', { name: 'Verify my email address' }).click();
    await page.getByRole('heading', { name: 'Email address verified' }).waitFor();
    await page.getByRole('link', { name: 'Go to the dashboard' }).click();
    await page.getByRole('heading', { name: 'Send your first event' }).waitFor();
    expect(await page.getByRole('region', { name: 'Email verification' }).count()).toBe(0);
  });

  it('creates a project from the empty state, and an API key with scopes and an expiry, shown once', async () => {
    await page.getByLabel('Project name').fill('checkout-bot');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/project=[0-9a-f-]{36}/);
    ids.project = /project=([0-9a-f-]{36})/.exec(page.url())![1];
    await page.getByRole('heading', { name: '2. An API key' }).waitFor();
    await page.getByText(`/v1/projects/${ids.project}/costs/summary`).first().waitFor();
    await shoot('getting-started');

    await visit(`api-keys?project=${ids.project}`);
    await page.getByLabel('Name', { exact: true }).fill('checkout production');
    await page.getByLabel('read: costs and records of the project').check();
    await page.getByLabel('Expires').selectOption('90');
    await page.getByRole('button', { name: 'Create key' }).click();
    apiKey = (await page.getByTestId('secret-value').textContent()) ?? '';
    expect(apiKey).toMatch(/^llm_test_/);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(apiKey);
    const row = page.getByRole('row', { name: /checkout production/ });
    await row.getByText('ingest, read').waitFor();
    await expectAccessible('api keys');
    await expectNoCredentialInStorage();
    // Shown once: after a reload the list has its prefix only.
    await page.reload();
    await page.getByRole('row', { name: /checkout production/ }).waitFor();
    expect(await page.getByTestId('secret-value').count()).toBe(0);
    expect(await page.content()).not.toContain(apiKey);
  });

  it('turns the empty state into the overview with the exact total once usage sent with the SDK is visible', async () => {
    await visit(`overview?project=${ids.project}`);
    await page.getByRole('heading', { name: 'Send your first event' }).waitFor();
    const llmlab = new LLMLab({ apiKey, baseUrl: platform.gatewayUrl, flushOnExit: false });
    // Minutes before now, but never before today's UTC midnight: the cost explorer below counts one day.
    const now = Date.now();
    const midnight = now - (now % 86_400_000);
    const at = (minutesAgo: number) => new Date(Math.max(midnight, now - minutesAgo * 60_000)).toISOString();
    const sent: [string, string, string, string][] = [
      ['openai', 'gpt-4o-mini', '1.25', 'search'],
      ['anthropic', 'claude-haiku-4-5', '2.50', 'chat'],
      ['openai', 'gpt-4o-mini', '0.75', 'search'],
    ];
    sent.forEach(([provider, model, amount, feature], i) =>
      llmlab.record({
        provider,
        model,
        timestamp: at(10 - i),
        latencyMs: 500,
        userId: `customer-${i % 2}`,
        usage: { inputTokens: 1000 * (i + 1), outputTokens: 100 },
        tags: { feature },
        cost: { amount, currency: 'USD' },
      }),
    );
    llmlab.record({
      provider: 'acme-labs',
      model: 'house-model-v1',
      timestamp: at(5),
      latencyMs: 100,
      usage: { inputTokens: 10, outputTokens: 10 },
    });
    await llmlab.shutdown();

    // The page polls: no reload.
    await page.getByTestId('mtd-spend').waitFor({ timeout: 60_000 });
    await eventually(async () => (await page.getByTestId('mtd-spend').textContent()) === '$4.50', 'the total of $4.50');
    await page.locator('[data-testid="stacked-chart"][data-drawn="true"]').waitFor();
    await page.getByText('1 records this month have no price').waitFor();
    await expect(page.getByRole('row', { name: /claude-haiku-4-5 \$2\.50/ }).count()).resolves.toBe(1);
    await expect(page.getByRole('row', { name: /search \$2\.00/ }).count()).resolves.toBe(1);
    await expectAccessible('overview');
  });

  it('adds a signed webhook channel (its secret shown once) and sends a test', async () => {
    await visit('channels');
    await page.getByLabel('Type').selectOption('webhook');
    await page.getByLabel('Name').fill('ops-webhook');
    await page.getByLabel('URL').fill(receiver.origin + HOOK);
    await page.getByRole('button', { name: 'Add channel' }).click();
    signingSecret = (await page.getByTestId('secret-value').textContent()) ?? '';
    expect(signingSecret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Send a test' }).click();
    await page.getByText(/Test delivered \(HTTP 204\)/).waitFor();
    const [sample] = receiver.hits(HOOK);
    expect(verifyWebhookSignature(signingSecret, sample.headers, sample.body)).toMatchObject({ ok: true });
    await shoot('channels');
    await expectAccessible('channels');
    await expectNoCredentialInStorage();
  });

  it('creates a budget with thresholds, sees its live spend, its alert fire and its delivery listed', async () => {
    await visit('budgets');
    const form = page.getByRole('form', { name: 'New budget' });
    await form.getByLabel('Name').fill('Checkout bot, monthly');
    await form.getByLabel('Counts').selectOption('project');
    await form.getByLabel('Project').selectOption(ids.project);
    await form.getByLabel('Amount (USD)').fill('4');
    await form.getByLabel('Thresholds (%)').fill('50, 80, 100');
    await form.getByRole('button', { name: 'Create budget' }).click();
    await page.getByText('$4.50 of $4.00 (112.50%) · monthly').waitFor();
    await expectAccessible('budgets');
    await shoot('budgets');

    // Waited for through the API, then shown by one page load: every load of the dashboard trades the session
    // cookie for a token, and those count in the per-IP budget of the public auth routes.
    await eventually(async () => {
      const res = await api(`/v1/organizations/${ids.org}/alerts?kind=threshold`);
      return ((await res.json()) as { data: unknown[] }).data.length > 0;
    }, 'the threshold alert');
    await visit('alerts?kind=threshold');
    const alertLink = page
      .getByRole('row', { name: /Budget threshold/ })
      .first()
      .getByRole('link');
    await expectAccessible('alerts');
    await shoot('alerts');
    await alertLink.click();
    await page.getByRole('heading', { name: /Budget threshold/ }).waitFor();
    await page.getByTestId('delivery').filter({ hasText: 'ops-webhook' }).locator('.badge-delivered').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByText('acknowledged', { exact: true }).waitFor();
    const alerts = receiver.hits(HOOK).filter((hit) => (JSON.parse(hit.body) as { type: string }).type === 'alert.threshold');
    expect(alerts.length).toBeGreaterThan(0);
    await expectAccessible('alert');
    await shoot('alert');
  });

  it('explores costs by day and reads the usage records, one in detail', async () => {
    await visit(`costs?project=${ids.project}&group=day`);
    await page.locator('[data-testid="stacked-chart"][data-drawn="true"]').waitFor();
    await page.getByRole('heading', { name: /\$4\.50 over 1 group/ }).waitFor();
    await expectAccessible('cost explorer');
    await shoot('cost-explorer');

    await visit(`usage?project=${ids.project}`);
    const rows = page.locator('tbody tr');
    await eventually(async () => (await rows.count()) === 4, 'four records');
    await page
      .getByRole('row', { name: /claude-haiku-4-5/ })
      .getByRole('button')
      .click();
    await page.getByRole('heading', { name: 'Record', exact: true }).waitFor();
    await page.getByText('$2.50').first().waitFor();
    await expectAccessible('usage records');
    await shoot('usage-records');
  });

  it('invites a member who joins through the mailed link, revokes another invitation, and prices a model of its own', async () => {
    const grace = { name: 'Grace Hopper', email: `grace-${uniqueSuffix()}@example.com`, password: 'a different horse battery staple' };
    await visit('members');
    await page.getByLabel('Email').fill(grace.email);
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByRole('heading', { name: 'Pending invitations' }).waitFor();
    await expectAccessible('members');
    await shoot('members');

    // Grace, in a browser of her own, opens the link of her mail, signs up on the way, and accepts.
    const token = await platform.mailbox.linkToken(grace.email, '/invitations/accept', /invited/);
    const guest = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
    try {
      const invitee = await guest.newPage();
      await invitee.goto(`${base}/invitations/accept?token=${encodeURIComponent(token)}`);
      await invitee.waitForURL(/\/login\?next=/);
      await invitee.getByRole('link', { name: 'Create an account' }).click();
      await invitee.getByLabel('Your name').fill(grace.name);
      await invitee.getByLabel('Email').fill(grace.email);
      await invitee.getByLabel('Password').fill(grace.password);
      await invitee.getByRole('button', { name: 'Create account' }).click();
      await invitee.waitForURL(/\/invitations\/accept\?token=/);
      await invitee.getByRole('button', { name: 'Accept the invitation' }).waitFor();
      expect({ page: 'accept invitation', violations: await seriousA11yViolations(invitee) }).toEqual({
        page: 'accept invitation',
        violations: [],
      });
      await invitee.getByRole('button', { name: 'Accept the invitation' }).click();
      await invitee.waitForURL(new RegExp(`/orgs/${ids.org}/overview`));
    } finally {
      await guest.close();
    }
    await visit('members');
    await page.getByRole('row', { name: new RegExp(grace.email) }).waitFor();
    expect(await page.getByRole('heading', { name: 'Pending invitations' }).count()).toBe(0);

    const bob = `bob-${uniqueSuffix()}@example.com`;
    await page.getByLabel('Email').fill(bob);
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByRole('button', { name: `Revoke the invitation of ${bob}` }).click();
    await page.getByRole('heading', { name: 'Pending invitations' }).waitFor({ state: 'detached' });

    await visit('pricing');
    const override = page.getByRole('form', { name: 'New price override' });
    await override.getByLabel('Provider').fill('acme-labs');
    await override.getByLabel('Model').fill('house-model-v1');
    await override.getByLabel('Input / 1M (USD)').fill('1000');
    await override.getByLabel('Output / 1M (USD)').fill('1000');
    await override.getByRole('button', { name: 'Add price' }).click();
    await page.getByRole('row', { name: /house-model-v1/ }).waitFor();
    await page.getByRole('searchbox', { name: 'Model' }).fill('gpt-4o-mini');
    await page.getByRole('button', { name: 'Search' }).click();
    await page
      .getByRole('row', { name: /gpt-4o-mini/ })
      .first()
      .waitFor();
    await expectAccessible('pricing');
    await shoot('pricing');

    // The override prices the unpriced record (20 tokens at $1,000 per million: $0.02): the warning goes, the total moves.
    await eventually(async () => {
      const from = encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString());
      const res = await api(`/v1/projects/${ids.project}/costs/summary?from=${from}`);
      return ((await res.json()) as { current: { cost: { amount: string } } }).current.cost.amount === '4.520000000000';
    }, 'the repriced total of $4.52');
    await visit(`overview?project=${ids.project}`);
    await page.getByText('$4.52', { exact: true }).first().waitFor();
    expect(await page.getByText('records this month have no price').count()).toBe(0);
    // The shot shows the settled page: the budget bars, the drawn chart and the top lists, not their loading states.
    await page.getByRole('link', { name: 'All budgets' }).waitFor();
    await page.locator('[data-testid="stacked-chart"][data-drawn="true"]').waitFor();
    await page.waitForFunction(`document.querySelectorAll('[role="status"].loading').length === 0`);
    await shoot('overview');
  });

  it('reads in dark mode at 1024 pixels, and the organization overview too', async () => {
    await page.setViewportSize({ width: 1024, height: 800 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await visit(`overview?project=${ids.project}`);
    await page.locator('[data-testid="stacked-chart"][data-drawn="true"]').waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBe(0);
    await expectAccessible('overview, dark, 1024 px');
    await shoot('overview-dark-1024', false);
    await visit('overview');
    await page.getByTestId('mtd-spend').waitFor();
    expect(await page.getByTestId('mtd-spend').textContent()).toBe('$4.52');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('revokes the key in the page, and the key stops working', async () => {
    await visit(`api-keys?project=${ids.project}`);
    await page.getByRole('button', { name: 'Revoke checkout production' }).click();
    await page
      .getByRole('row', { name: /checkout production/ })
      .getByText('revoked')
      .waitFor();
    await eventually(
      async () => {
        const res = await fetch(`${platform.gatewayUrl}/v1/projects/${ids.project}/costs/summary`, {
          headers: { authorization: `Bearer ${apiKey}` },
        });
        return res.status === 401;
      },
      'the revoked key to be refused',
      15_000,
    );
    await shoot('api-keys');
  });

  it('keeps the session across a reload through the cookie, ends it on logout, and never stored a credential', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await expectNoCredentialInStorage();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${base}/orgs/${ids.org}/overview`);
    await page.waitForURL(/\/login\?next=/);
    await expectNoCredentialInStorage();
    expect(credentials.length).toBeGreaterThan(1);
    // The strict CSP held: nothing was refused, and no script failed.
    expect(consoleErrors.filter((e) => !/status of 40[14]/.test(e))).toEqual([]);
  });
});
