import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createSession, createTestDatabase, TestPlatform, verifyEmail, type TestDatabase, type TestSession } from '@llmlab/testing';
import { formatMoney } from '../src/shared/money';
import { ensureWebBuild, eventually, launchChromium, loggedInPage, SCREENSHOTS, seriousA11yViolations, WEB_DIST } from './browser';

jest.setTimeout(180_000);

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const TRACE_ID = hex(16);
const ROOT = hex(8);
const PLAN = hex(8);
const TOOLS = Array.from({ length: 5 }, () => hex(8));
const ANSWER = hex(8);
const T0 = (BigInt(Date.now()) - 60_000n) * 1_000_000n;
const ms = (n: number) => String(T0 + BigInt(n) * 1_000_000n);
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

/** An agent run as an OpenTelemetry exporter sends it (OTLP/JSON): a plan, the same search five times (a loop), an answer. */
function agentRun() {
  const chat = (spanId: string, name: string, start: number, end: number, input: number, output: number) => ({
    traceId: TRACE_ID,
    spanId,
    parentSpanId: ROOT,
    name,
    kind: 3,
    startTimeUnixNano: ms(start),
    endTimeUnixNano: ms(end),
    attributes: [
      str('gen_ai.operation.name', 'chat'),
      str('gen_ai.provider.name', 'openai'),
      str('gen_ai.request.model', 'gpt-4o-mini'),
      str('gen_ai.response.model', 'gpt-4o-mini'),
      int('gen_ai.usage.input_tokens', input),
      int('gen_ai.usage.output_tokens', output),
    ],
    status: { code: 1 },
  });
  return {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'support-agent')] },
        scopeSpans: [
          {
            scope: { name: 'browser-test' },
            spans: [
              {
                traceId: TRACE_ID,
                spanId: ROOT,
                name: 'answer-ticket',
                kind: 1,
                startTimeUnixNano: ms(0),
                endTimeUnixNano: ms(4000),
                attributes: [str('gen_ai.operation.name', 'invoke_agent'), str('session.id', 'ticket-42')],
                status: { code: 2, message: 'search kept failing' },
              },
              chat(PLAN, 'chat plan', 50, 900, 1200, 150),
              ...TOOLS.map((spanId, i) => ({
                traceId: TRACE_ID,
                spanId,
                parentSpanId: ROOT,
                name: 'execute_tool search',
                kind: 1,
                startTimeUnixNano: ms(1000 + i * 400),
                endTimeUnixNano: ms(1300 + i * 400),
                attributes: [
                  str('gen_ai.operation.name', 'execute_tool'),
                  str('gen_ai.tool.name', 'search'),
                  str('gen_ai.tool.call.arguments', '{"q":"refund policy"}'),
                ],
                status: { code: 2, message: 'search backend timed out' },
              })),
              chat(ANSWER, 'chat answer', 3100, 3950, 2400, 300),
            ],
          },
        ],
      },
    ],
  };
}

// A trace sent to the OTLP intake, found in the list by its filters, opened as a waterfall: its rows, the cost of
// each model call as the API priced it, and the flagged tool calls, each saying why.
describe('traces in a browser', () => {
  let db: TestDatabase;
  let platform: TestPlatform;
  let owner: TestSession;
  let browser: Browser;
  let page: Page;
  let base: string;
  const consoleErrors: string[] = [];

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${platform.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${owner.apiKey.key}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  async function visit(path: string) {
    await page.goto(`${base}/orgs/${owner.organizationId}/${path}`);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
  }
  async function expectAccessible(name: string) {
    const violations = await seriousA11yViolations(page);
    expect({ page: name, violations }).toEqual({ page: name, violations: [] });
  }

  beforeAll(async () => {
    ensureWebBuild();
    mkdirSync(SCREENSHOTS, { recursive: true });
    db = await createTestDatabase();
    platform = await TestPlatform.start({
      databaseUrl: db.url,
      env: { MASTER_ENCRYPTION_KEY: randomBytes(32).toString('base64'), WEB_DIST_DIR: WEB_DIST },
    });
    await platform.waitForReadiness(200, 60_000);
    owner = await createSession(platform.gatewayUrl, { organizationName: 'Acme', projectName: 'support-agent' });
    await verifyEmail(platform.mailbox, owner);

    const sent = await fetch(`${platform.gatewayUrl}/v1/otlp/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.apiKey.key}` },
      body: JSON.stringify(agentRun()),
    });
    expect(sent.status).toBe(200);
    // The detectors run once the trace is idle: the page is looked at when they did.
    await eventually(
      async () => {
        const trace = await api<{ complete: boolean; flags: string[] }>(`/v1/projects/${owner.projectId}/traces/${TRACE_ID}`).catch(
          () => undefined,
        );
        return trace?.complete && trace.flags.includes('tool_loop') ? trace : undefined;
      },
      'the trace evaluated and flagged as a tool loop',
      120_000,
    );

    base = platform.gatewayUrl.replace('127.0.0.1', 'localhost');
    browser = await launchChromium();
    page = await loggedInPage(browser, base, owner, { width: 1440, height: 900, consoleErrors });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await db?.drop();
  }, 60_000);

  it('lists the trace, keeps it under its filters, and drops it under one it does not match', async () => {
    await visit(`traces?project=${owner.projectId}`);
    const table = page.getByRole('table', { name: 'Traces' });
    const row = table.getByRole('row', { name: /answer-ticket/ });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/Tool loop/);

    await page.getByLabel('Flag').selectOption('tool_loop');
    await page.getByLabel('Status').selectOption('error');
    await page.waitForURL(/flag=tool_loop/);
    await row.waitFor();
    expect(page.url()).toContain('status=error');
    await page.screenshot({ path: join(SCREENSHOTS, 'traces-list.png') });
    await expectAccessible('traces list');

    await page.getByLabel('Name').fill('another-agent');
    await page.getByLabel('Name').press('Enter');
    await page.getByText(/No trace matches/).waitFor();
    await page.getByLabel('Name').fill('answer-ticket');
    await page.getByLabel('Name').press('Enter');
    await row.waitFor();
  });

  it('opens the waterfall: rows in tree order, each model call priced as the API says, the looping tool calls flagged', async () => {
    const trace = await api<{
      cost: { amount: string };
      spans: { spanId: string; name: string; cost: { amount: string }; usage: { model: string } | null }[];
    }>(`/v1/projects/${owner.projectId}/traces/${TRACE_ID}`);
    await visit(`traces?project=${owner.projectId}`);
    await page.getByRole('link', { name: 'answer-ticket' }).click();
    const waterfall = page.getByRole('table', { name: 'Spans and their timing' });
    await waterfall.waitFor();
    const rows = waterfall.locator('tbody tr');
    await expect(rows.evaluateAll((r) => r.map((e) => e.getAttribute('data-span-id')))).resolves.toEqual(trace.spans.map((s) => s.spanId));
    expect(trace.spans.map((s) => s.name)).toEqual([
      'answer-ticket',
      'chat plan',
      ...TOOLS.map(() => 'execute_tool search'),
      'chat answer',
    ]);
    // The model calls were priced (gpt-4o-mini is in the catalog), and the page shows the API's amounts.
    for (const spanId of [PLAN, ANSWER]) {
      const span = trace.spans.find((s) => s.spanId === spanId)!;
      expect(Number(span.cost.amount)).toBeGreaterThan(0);
      const text = await waterfall.locator(`tr[data-span-id="${spanId}"]`).textContent();
      expect(text).toContain(formatMoney({ amount: span.cost.amount, currency: 'USD' }));
    }
    // Every looping tool call is highlighted with the detector's own words.
    for (const spanId of TOOLS) {
      const row = waterfall.locator(`tr[data-span-id="${spanId}"]`);
      await expect(row.getAttribute('class')).resolves.toContain('wf-flagged');
      await expect(row.textContent()).resolves.toMatch(/search/);
    }
    await page.screenshot({ path: join(SCREENSHOTS, 'trace-waterfall.png'), fullPage: true });
    await expectAccessible('trace waterfall');

    // Keyboard: the answer's name is a button; Enter opens its detail with the model and its price.
    await waterfall.getByRole('button', { name: 'chat answer' }).focus();
    await page.keyboard.press('Enter');
    const detail = page.getByRole('region', { name: 'chat answer' });
    await detail.waitFor();
    await expect(detail.textContent()).resolves.toMatch(/gpt-4o-mini/);
    await expect(detail.textContent()).resolves.toMatch(/2,400/);
    expect(page.url()).toContain(`span=${ANSWER}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'trace-span-detail.png'), fullPage: true });
    await expectAccessible('span detail');

    // Only the refusal the journey itself causes: the first load, before the login, is a 401.
    expect(consoleErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});
