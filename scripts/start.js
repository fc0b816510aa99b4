#!/usr/bin/env node
// `npm start`: installs what is missing, builds, migrates, and runs the eight services on this machine.
// Plain Node on purpose: it must run before any dependency is installed.
'use strict';
const { spawn } = require('node:child_process');
const { mkdirSync, createWriteStream } = require('node:fs');
const { join } = require('node:path');
const { root, run, ensureInstalled, ensurePrismaClients, checkDependencies, DEFAULTS } = require('./lib');

const SERVICES = ['auth', 'ingestion', 'provider-sync', 'recommendations', 'alerts', 'audit', 'proxy', 'gateway'];
const env = { ...DEFAULTS, ...process.env };
const port = Number(env.PORT || 3000);
const publicUrl = env.PUBLIC_URL || `http://localhost:${port}`;

async function ensureDatabase() {
  const { Client } = require('pg');
  const url = new URL(env.DATABASE_URL);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      process.stdout.write(`created database ${name}\n`);
    }
  } finally {
    await admin.end();
  }
}

async function waitReady(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      const body = await res.json();
      if (res.status === 200) return true;
      last = (body.down || []).join(', ');
    } catch {
      last = 'gateway';
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  process.stderr.write(`still not ready after ${timeoutMs / 1000}s; down: ${last}\n`);
  return false;
}

async function main() {
  const started = Date.now();
  ensureInstalled();
  await checkDependencies(env);
  ensurePrismaClients();
  process.stdout.write('Building...\n');
  run('npm', ['run', '--silent', 'build']);
  await ensureDatabase();
  run('node', [join(root, 'dist/libs/persistence/src/migrate.main.js')], { env });

  const logDir = join(root, '.llmlab', 'logs');
  mkdirSync(logDir, { recursive: true });
  const children = new Map();
  let stopping = false;
  for (const service of SERVICES) {
    const log = createWriteStream(join(logDir, `${service}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [join(root, `dist/services/${service}/src/main.js`)], {
      cwd: root,
      env: { ...env, MIGRATE_ON_START: 'false', PUBLIC_URL: publicUrl, APP_URL: env.APP_URL || publicUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    // Warnings and errors also reach the console, so a failing service is seen without opening its log.
    child.stderr.on('data', (chunk) => process.stderr.write(`[${service}] ${chunk}`));
    child.stdout.on('data', (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (/"level":"(warn|error|fatal)"/.test(line)) process.stderr.write(`[${service}] ${line}\n`);
      }
    });
    child.on('exit', (code, signal) => {
      children.delete(service);
      if (!stopping) process.stderr.write(`[${service}] exited (${signal || code}); see .llmlab/logs/${service}.log\n`);
      if (stopping && children.size === 0) process.exit(0);
    });
    children.set(service, child);
  }

  const stop = () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping services...\n');
    for (const child of children.values()) child.kill('SIGTERM');
    setTimeout(() => process.exit(0), 20_000).unref();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  if (await waitReady(90_000)) {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `\nLLMLab is running (ready in ${seconds}s).\n` +
        `  Dashboard: ${publicUrl}/\n` +
        `  API:     ${publicUrl}/v1\n` +
        `  Docs:    ${publicUrl}/docs   (OpenAPI: ${publicUrl}/docs-json)\n` +
        `  Proxy:   ${publicUrl}/proxy/openai/v1 and ${publicUrl}/proxy/anthropic (docs/proxy.md)\n` +
        `  Health:  ${publicUrl}/health/ready\n` +
        `  Logs:    .llmlab/logs/<service>.log\n` +
        'Press Ctrl+C to stop.\n',
    );
  }
}

main().catch((err) => {
  process.stderr.write(`npm start failed: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
