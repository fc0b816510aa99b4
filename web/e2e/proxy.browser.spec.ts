import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createSession, eventually, startPlatformSession, verifyEmail, type PlatformSession, type TestSession } from '@llmlab/testing';
import { startFakeOpenAI, type FakeOpenAI } from '../../libs/sdk/src/testing/fake-openai.server';
import { ensureWebBuild, launchChromium, loggedInPage, SCREENSHOTS, seriousA11yViolations, WEB_DIST } from './browser';

jest.setTimeout(120_000);

const FIRST_KEY = 'sk-proj-browser-test-first-k1A9';
const SECOND_KEY = 'sk-proj-browser-test-second-k2B8';
/** An on-premises gateway the operator trusts (nothing listens there: storing a key never calls its base). */
const TRUSTED_ORIGIN = 'http://127.0.0.1:4010';
const LONG_BASE_URL = `${TRUSTED_ORIGIN}/openai-compatible/deployments/checkout-production-eu-west/gpt-4o-2024-08-06/v1`;

// An admin opens the Proxy page of a new project, reads how to point a client at it, stores an OpenAI key (the
// refused base URL named beside its field), replaces it with one behind a long trusted base URL, and removes it;
// then sets a route with a fallback, sees an empty target model named beside its input, and removes the route.
describe('proxy page in a browser', () => {
  let session: PlatformSession;
  let platform: PlatformSession['platform'];
  let owner: TestSession;
  let browser: Browser;
  let page: Page;
  let base: string;
  let upstream: FakeOpenAI;
  const consoleErrors: string[] = [];

  async function expectAccessible(name: string) {
    const violations = await seriousA11yViolations(page);
    expect({ page: name, violations }).toEqual({ page: name, violations: [] });
  }
  async function shoot(name: string) {
    await page.waitForFunction(`document.querySelectorAll('[role="status"].loading').length === 0`);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }
  const storedKeys = async () => (await owner.agent.get(`/v1/projects/${owner.projectId}/provider-keys`)).body as { keyHint: string }[];
  const storedRoutes = async () => (await owner.agent.get(`/v1/projects/${owner.projectId}/routes`)).body as { model: string }[];
  /** How far the page, and the widest table, scroll sideways. */
  const overflow = async () =>
    (await page.evaluate(
      `({ page: document.documentElement.scrollWidth - window.innerWidth, table: Math.max(...[...document.querySelectorAll('.table-wrap')].map((w) => w.scrollWidth - w.clientWidth)) })`,
    )) as { page: number; table: number };

  beforeAll(async () => {
    ensureWebBuild();
    mkdirSync(SCREENSHOTS, { recursive: true });
    // The provider the route's calls reach: a local server speaking OpenAI's wire format; one failure makes a fallback.
    upstream = await startFakeOpenAI();
    session = await startPlatformSession({
      env: {
        WEB_DIST_DIR: WEB_DIST,
        PROXY_TRUSTED_ORIGINS: TRUSTED_ORIGIN,
        PROXY_OPENAI_BASE_URL: upstream.baseURL,
        PROXY_UPSTREAM_MAX_RETRIES: '0',
      },
    });
    platform = session.platform;
    owner = await createSession(platform.gatewayUrl, { organizationName: 'Acme', projectName: 'checkout-bot' });
    await verifyEmail(platform.mailbox, owner);
    base = platform.gatewayUrl.replace('127.0.0.1', 'localhost');
    browser = await launchChromium();
    page = await loggedInPage(browser, base, owner, { width: 1280, height: 860, consoleErrors, acceptDialogs: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await session?.stop();
    await upstream?.close();
  }, 60_000);

  it('explains the proxy and says what callers send while no key is stored', async () => {
    await page.goto(`${base}/orgs/${owner.organizationId}/proxy?project=${owner.projectId}`);
    await page.getByRole('heading', { level: 1, name: 'Proxy' }).waitFor();
    await page.getByText('No provider key stored: callers must send their own provider key').waitFor();
    const connect = page.getByRole('region', { name: 'Connect a client' });
    expect(await connect.getByLabel('TypeScript (openai)').textContent()).toContain(`baseURL: '${base}/proxy/openai/v1'`);
    expect(await connect.getByLabel('Python (openai)').textContent()).toContain(`base_url="${base}/proxy/openai/v1"`);
    expect(await connect.getByLabel('Python (anthropic)').textContent()).toContain(`base_url="${base}/proxy/anthropic"`);
    await connect.getByRole('link', { name: 'API keys' }).waitFor();
    await expectAccessible('proxy, no key');
    await shoot('proxy-empty');
  });

  it('names the refused base URL beside its field, then stores the key with the default base', async () => {
    const form = page.getByRole('form', { name: 'Store a provider key' });
    await form.getByLabel('Provider', { exact: true }).selectOption('openai');
    await form.getByLabel('Provider API key').fill(FIRST_KEY);
    await form.getByLabel('Base URL (optional)').fill('http://10.0.0.1/v1');
    await form.getByRole('button', { name: 'Store key' }).click();
    await form.locator('.field-error').getByText('the URL must use https').waitFor();
    expect(await form.getByLabel('Base URL (optional)').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await storedKeys()).toEqual([]);
    await expectAccessible('proxy, refused base URL');
    await shoot('proxy-refused');

    await form.getByLabel('Base URL (optional)').fill('');
    await form.getByRole('button', { name: 'Store key' }).click();
    await page.getByText('OpenAI key ending in k1A9 stored.').waitFor();
    const row = page.getByRole('table', { name: 'Stored provider keys' }).getByRole('row', { name: /OpenAI/ });
    expect(await row.locator('td').allTextContents()).toEqual(['••••k1A9', 'default', expect.stringMatching(/ UTC$/), 'Remove']);
    expect(await form.getByLabel('Provider API key').inputValue()).toBe('');
    await form.getByRole('button', { name: 'Replace key' }).waitFor();
    expect(await page.content()).not.toContain(FIRST_KEY);
    expect(await storedKeys()).toMatchObject([{ provider: 'openai', keyHint: 'k1A9', baseUrl: null }]);
  });

  it('replaces the key with one behind a long trusted base URL, readable in a narrow window', async () => {
    const form = page.getByRole('form', { name: 'Store a provider key' });
    await form.getByLabel('Provider API key').fill(SECOND_KEY);
    await form.getByLabel('Base URL (optional)').fill(LONG_BASE_URL);
    await form.getByRole('button', { name: 'Replace key' }).click();
    await page.getByText('OpenAI key ending in k2B8 stored.').waitFor();
    const table = page.getByRole('table', { name: 'Stored provider keys' });
    await table.getByText('••••k2B8').waitFor();
    expect(await table.getByRole('row').count()).toBe(2);
    expect(await table.getByTitle(LONG_BASE_URL).textContent()).toBe(LONG_BASE_URL);
    expect(await page.content()).not.toContain(SECOND_KEY);
    expect(await storedKeys()).toMatchObject([{ provider: 'openai', keyHint: 'k2B8', baseUrl: LONG_BASE_URL }]);
    await expectAccessible('proxy, one key');
    await shoot('proxy');

    await page.setViewportSize({ width: 1024, height: 800 });
    // Nothing scrolls sideways: the long base URL is cut short (whole on hover), the Remove button stays in view.
    expect(await overflow()).toEqual({ page: 0, table: 0 });
    await shoot('proxy-narrow');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('removes the key once confirmed', async () => {
    await page.getByRole('button', { name: 'Remove the OpenAI key' }).click();
    await page.getByText('No provider key stored: callers must send their own provider key').waitFor();
    await page.getByRole('form', { name: 'Store a provider key' }).getByRole('button', { name: 'Store key' }).waitFor();
    // The key stored earlier is no longer said to be stored.
    expect(await page.getByText('OpenAI key ending in k2B8 stored.').count()).toBe(0);
    expect(await storedKeys()).toEqual([]);
    // The login page's session probe answers 401 before the login, and the refused base URL 400: nothing else may fail.
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
  });

  it('sets a route with a fallback, names an empty target model beside its input, and removes the route', async () => {
    await page.getByText('No routes: calls go to the model they ask for.').waitFor();
    let form = page.getByRole('form', { name: 'Set a route' });
    await form.getByLabel('Model name').fill('chat-default');
    await form.getByLabel('Target model 1', { exact: true }).fill('gpt-4o-mini');
    await form.getByRole('button', { name: 'Add fallback' }).click();
    await form.getByLabel('Target model 2', { exact: true }).fill('gpt-4.1-nano');
    await form.getByLabel('Timeout in seconds (optional)').fill('30');
    await form.getByLabel('Cache answers for, in seconds (optional)').fill('600');
    await form.getByRole('button', { name: 'Save route' }).click();
    await page.getByText('Route chat-default saved.').waitFor();
    const row = page.getByRole('table', { name: 'Routes' }).getByRole('row', { name: /chat-default/ });
    expect(await row.locator('td').allTextContents()).toEqual([
      'OpenAI: gpt-4o-mini → gpt-4.1-nano',
      '30 s, cache 600 s',
      'no calls',
      expect.stringMatching(/ UTC$/),
      'Edit Remove',
    ]);
    const route = {
      model: 'chat-default',
      targets: [
        { provider: 'openai', model: 'gpt-4o-mini' },
        { provider: 'openai', model: 'gpt-4.1-nano' },
      ],
      timeoutMs: 30_000,
      cacheTtlSeconds: 600,
    };
    expect(await storedRoutes()).toMatchObject([route]);

    // Three calls through the proxy with the caller's own provider key: answered by the first target (its answer
    // cached), the same question again from the cache, and another one answered by the fallback.
    const ask = (content: string) =>
      fetch(`${platform.proxyUrl}/proxy/openai/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-callers-own', 'x-llmlab-key': owner.apiKey.key },
        body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content }] }),
      });
    expect((await ask('What is 2 + 2?')).headers.get('x-llmlab-cache')).toBe('miss');
    await eventually(async () => (await ask('What is 2 + 2?')).headers.get('x-llmlab-cache') === 'hit', 'a cache hit', 10_000);
    upstream.failNext({ status: 503, type: 'server_error', message: 'overloaded' });
    expect((await ask('What is 3 + 3?')).status).toBe(200);
    // The calls reach the route's figures through the ledger; the page shows them once reloaded.
    await eventually(
      async () => {
        await page.reload();
        const cell = page
          .getByRole('table', { name: 'Routes' })
          .getByRole('row', { name: /chat-default/ })
          .locator('td')
          .nth(2);
        return /by a fallback/.test((await cell.textContent()) ?? '');
      },
      "the route's calls on the page",
      30_000,
    );
    expect(await row.locator('td').nth(2).textContent()).toMatch(
      /^\d+ calls, \$0\.\d+ 1 by a fallback · [1-9]\d* from the cache, \$0\.\d+ saved$/,
    );

    // Edit fills the form; the fallback emptied is refused, named beside its input, and the route stays as it was.
    await row.getByRole('button', { name: 'Edit the route for chat-default' }).click();
    form = page.getByRole('form', { name: 'Set a route' });
    expect(await form.getByLabel('Target model 2', { exact: true }).inputValue()).toBe('gpt-4.1-nano');
    await form.getByLabel('Target model 2', { exact: true }).fill('');
    await form.getByRole('button', { name: 'Replace route' }).click();
    await form.locator('.field-error').first().waitFor();
    expect(await form.getByLabel('Target model 2', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Target model 1', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    expect(await form.locator('.field-error').count()).toBe(1);
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await storedRoutes()).toMatchObject([route]);
    await expectAccessible('proxy, a route and a refused fallback');
    await shoot('proxy-routes');
    await page.setViewportSize({ width: 1024, height: 800 });
    expect(await overflow()).toEqual({ page: 0, table: 0 });
    await shoot('proxy-routes-narrow');
    await page.setViewportSize({ width: 1280, height: 860 });

    await page.getByRole('button', { name: 'Remove the route for chat-default' }).click();
    await page.getByText('No routes: calls go to the model they ask for.').waitFor();
    expect(await storedRoutes()).toEqual([]);
    // The refused base URL and the refused fallback: nothing else may fail (401: the login page's session probe).
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
  });
});
