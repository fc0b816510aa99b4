// Chromium for the browser tests and the web benchmark: Debian's package driven by playwright-core (Playwright's own
// browser downloads are not reachable here), and the dashboard's build, made when missing or older than its sources.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually as eventuallyWithin } from '@llmlab/testing';

export const ROOT = join(__dirname, '..', '..');
export const WEB_DIST = join(ROOT, 'web', 'dist');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Where the run's screenshots go: `.llmlab/screenshots` (not committed) on every run, so anyone can look at them;
 * `docs/images`, the ones the README shows, only through `npm run screenshots`, so a test run leaves the tree clean.
 */
export const SCREENSHOTS =
  process.env.LLMLAB_UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'images') : join(ROOT, '.llmlab', 'screenshots');
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium; .ci/run does)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS });
}

function newest(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((latest, e) => {
    const path = join(dir, e.name);
    return Math.max(latest, e.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }, 0);
}

/** Builds web/dist unless it is newer than every source of the dashboard (and the API types it compiles against). */
export function ensureWebBuild(): void {
  const index = join(WEB_DIST, 'index.html');
  const sources = Math.max(
    newest(join(ROOT, 'web', 'src')),
    statSync(join(ROOT, 'web', 'index.html')).mtimeMs,
    statSync(join(ROOT, 'web', 'vite.config.mts')).mtimeMs,
    statSync(join(ROOT, 'libs', 'sdk', 'src', 'generated', 'api.ts')).mtimeMs,
  );
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', 'web', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical violations on the page as it is. The script is evaluated through the DevTools
 * protocol, which the page's Content-Security-Policy does not govern, so the CSP stays as strict as served.
 */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
  )) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Every entry of localStorage and sessionStorage, and the cookies script can read. */
export async function webStorage(page: Page): Promise<{ local: Record<string, string>; session: Record<string, string>; cookie: string }> {
  return (await page.evaluate(
    `({ local: Object.fromEntries(Object.entries(localStorage)), session: Object.fromEntries(Object.entries(sessionStorage)), cookie: document.cookie })`,
  )) as { local: Record<string, string>; session: Record<string, string>; cookie: string };
}

/** `eventually` of libs/testing with a browser's patience (pages build, poll and render): 60 s by default. */
export function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  return eventuallyWithin(check, what, timeoutMs);
}

/**
 * A page of a fresh browser context, logged in as `user` through the login form, console errors collected into
 * `consoleErrors`; `base` is the gateway as the browser reaches it.
 */
export async function loggedInPage(
  browser: Browser,
  base: string,
  user: { email: string; password: string },
  options: { width: number; height: number; consoleErrors: string[]; acceptDialogs?: boolean },
): Promise<Page> {
  const page = await (
    await browser.newContext({ viewport: { width: options.width, height: options.height }, colorScheme: 'light' })
  ).newPage();
  page.on('console', (m) => m.type() === 'error' && options.consoleErrors.push(m.text()));
  page.on('pageerror', (e) => options.consoleErrors.push(e.message));
  if (options.acceptDialogs) page.on('dialog', (d) => void d.accept());
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/orgs\/[0-9a-f-]{36}\//);
  return page;
}
