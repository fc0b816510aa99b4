import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createSession, startPlatformSession, usageEvent, verifyEmail, type PlatformSession, type TestSession } from '@llmlab/testing';
import { formatMoney } from '../src/shared/money';
import { ensureWebBuild, eventually, launchChromium, loggedInPage, SCREENSHOTS, seriousA11yViolations, WEB_DIST } from './browser';

jest.setTimeout(180_000);

// The recommendations page on the whole platform: failing and unpriced calls sent with the project's key, the
// project evaluated from the page, its recommendations shown largest savings first with their evidence, and one
// accepted from the page.
describe('recommendations page', () => {
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
    await verifyEmail(platform.mailbox, owner);
    const at = (i: number) => new Date(Date.now() - 10_000 - i * 1_000).toISOString();
    const events = [
      ...Array.from({ length: 40 }, (_, i) =>
        usageEvent({
          timestamp: at(i),
          model: 'gpt-4o',
          usage: { inputTokens: 12_000, outputTokens: 800 },
          tags: { feature: 'ticket-triage' },
          ...(i < 15 ? { status: 'error', errorType: 'RateLimitError' } : {}),
        }),
      ),
      ...Array.from({ length: 5 }, (_, i) => usageEvent({ timestamp: at(i), provider: 'acme', model: 'acme-llm-2' })),
    ];
    const sent = await fetch(`${platform.gatewayUrl}/v1/usage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.apiKey.key}` },
      body: JSON.stringify({ events }),
    });
    expect(sent.status).toBe(202);
    // The page evaluates on demand; the usage must be in the service's traffic model first.
    await eventually(async () => {
      const res = await fetch(`${platform.gatewayUrl}/v1/projects/${owner.projectId}/usage?limit=1`, {
        headers: { authorization: `Bearer ${owner.apiKey.key}` },
      });
      return res.status === 200 && ((await res.json()) as { data: unknown[] }).data.length > 0;
    }, 'the usage recorded');

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

  it('evaluates the project, lists its recommendations by savings with their evidence, and accepts one', async () => {
    const base = platform.gatewayUrl.replace('127.0.0.1', 'localhost');
    await page.goto(`${base}/orgs/${owner.organizationId}/recommendations?project=${owner.projectId}`);
    await page.getByRole('heading', { level: 1, name: 'Recommendations' }).waitFor();
    const list = page.getByRole('list', { name: 'Recommendations' });
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Evaluate now' }).click();
        await page.getByRole('status').waitFor();
        return (await list.getByRole('listitem').count()) >= 2;
      },
      'two recommendations after an evaluation',
      60_000,
    );

    const api = await fetch(`${platform.gatewayUrl}/v1/projects/${owner.projectId}/recommendations?status=open`, {
      headers: { authorization: `Bearer ${owner.apiKey.key}` },
    }).then(
      (r) => r.json() as Promise<{ data: { title: string; estimatedMonthlySavings: { amount: string; currency: string } | null }[] }>,
    );
    const cards = list.locator(':scope > li');
    const [failed, unpriced] = api.data;
    expect(api.data).toHaveLength(2);
    await expect(cards.nth(0).textContent()).resolves.toContain(failed.title);
    await expect(cards.nth(0).textContent()).resolves.toContain(formatMoney(failed.estimatedMonthlySavings!));
    await expect(cards.nth(0).textContent()).resolves.toMatch(/failed calls15/);
    // Amounts read as money, never as the API's twelve decimals.
    await expect(cards.nth(0).textContent()).resolves.toMatch(/failed cost\$0\.\d+/);
    await expect(cards.nth(1).textContent()).resolves.toContain(unpriced.title);
    await expect(cards.nth(1).textContent()).resolves.toMatch(/unknown/);
    await page.screenshot({ path: join(SCREENSHOTS, 'recommendations.png'), fullPage: true });
    const violations = await seriousA11yViolations(page);
    expect(violations).toEqual([]);

    await cards.nth(0).getByRole('button', { name: 'Accept' }).click();
    await page.getByLabel('Status').selectOption('accepted');
    const acceptedCard = list.getByRole('listitem').filter({ hasText: failed.title });
    await acceptedCard.getByText('Saved since accepted').waitFor();
    await expect(acceptedCard.textContent()).resolves.not.toMatch(/\d\.\d{12}/);
    // What if gpt-4o had been gpt-4o-mini: the page shows what the API prices.
    const today = new Date().toISOString().slice(0, 10);
    const body = {
      from: `${today.slice(0, 8)}01`,
      to: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10),
      substitutions: [{ match: { provider: 'openai', model: 'gpt-4o' }, use: { provider: 'openai', model: 'gpt-4o-mini' } }],
    };
    const priced = await fetch(`${platform.gatewayUrl}/v1/projects/${owner.projectId}/what-if`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.apiKey.key}` },
      body: JSON.stringify(body),
    }).then((r) => r.json() as Promise<{ actual: { amount: string; currency: string }; projected: { amount: string; currency: string } }>);
    const form = page.getByRole('form', { name: 'What if' });
    await form.getByLabel('Replace model').fill('openai/gpt-4o');
    await form.getByLabel('By model').fill('openai/gpt-4o-mini');
    await form.getByRole('button', { name: 'Price it' }).click();
    const status = page.getByRole('status').filter({ hasText: 'with the changes' });
    await status.waitFor();
    await expect(status.textContent()).resolves.toContain(formatMoney(priced.projected));
    await expect(status.textContent()).resolves.toContain(formatMoney(priced.actual));
    await page
      .getByRole('table', { name: 'What if, per model and feature' })
      .getByRole('row', { name: /gpt-4o → openai\/gpt-4o-mini/ })
      .waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'what-if.png'), fullPage: true });
    // The login page's session probe answers 401 before the login: nothing else may fail.
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });

  it('applies a model right-sizing recommendation as a proxy route, shown on the card and on the Proxy page', async () => {
    const at = (i: number) => new Date(Date.now() - 5_000 - i * 1_000).toISOString();
    const classify = Array.from({ length: 60 }, (_, i) =>
      usageEvent({ timestamp: at(i), model: 'gpt-4o', usage: { inputTokens: 2_000, outputTokens: 40 }, tags: { feature: 'classify' } }),
    );
    const sent = await fetch(`${platform.gatewayUrl}/v1/usage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.apiKey.key}` },
      body: JSON.stringify({ events: classify }),
    });
    expect(sent.status).toBe(202);
    const base = platform.gatewayUrl.replace('127.0.0.1', 'localhost');
    await page.goto(`${base}/orgs/${owner.organizationId}/recommendations?project=${owner.projectId}&status=open`);
    const list = page.getByRole('list', { name: 'Recommendations' });
    const apply = list.getByRole('button', { name: 'Apply as proxy route' });
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Evaluate now' }).click();
        await page.getByRole('status').waitFor();
        return (await apply.count()) === 1;
      },
      'the right-sizing recommendation',
      60_000,
    );
    await apply.click();
    await page.getByLabel('Status').selectOption('accepted');
    const card = list.getByRole('listitem').filter({ hasText: 'Applied as a proxy route' });
    await card.waitFor();
    await expect(card.textContent()).resolves.toMatch(/calls through the proxy for gpt-4o tagged feature=classify go to gpt-4o-mini/);
    await page.screenshot({ path: join(SCREENSHOTS, 'recommendation-applied.png'), fullPage: true });

    await page.goto(`${base}/orgs/${owner.organizationId}/proxy?project=${owner.projectId}`);
    const header = page.getByRole('table', { name: 'Routes' }).getByRole('rowheader').first();
    await header.waitFor();
    await expect(header.textContent()).resolves.toBe('gpt-4o feature classifyrecommendation');
    await page.screenshot({ path: join(SCREENSHOTS, 'proxy-applied-route.png'), fullPage: true });
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});
