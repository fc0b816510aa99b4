// Shared by scripts/start.js and scripts/test.js. Plain Node, no dependency: these run before `npm install`.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const net = require('node:net');
const { join } = require('node:path');

const root = join(__dirname, '..');
// The sources compiled once per `npm test` (scripts/build-for-tests.js): the services the tests boot load them.
const TEST_BUILD = join(root, '.llmlab', 'test-build');

function run(cmd, args, options = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  if (res.status !== 0) {
    process.stderr.write(`\n✗ ${cmd} ${args.join(' ')} failed (exit ${res.status})\n`);
    process.exit(res.status || 1);
  }
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

/** Installs dependencies when node_modules is missing or older than the lock file. */
function ensureInstalled() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (existsSync(marker) && mtime(marker) >= mtime(join(root, 'package-lock.json'))) return;
  process.stdout.write('Installing dependencies (npm ci)...\n');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Generates Prisma clients when a schema is newer than its generated client. */
function ensurePrismaClients() {
  const stale = readdirSync(join(root, 'services')).some((s) => {
    const schema = join(root, 'services', s, 'prisma', 'schema.prisma');
    return existsSync(schema) && mtime(schema) > mtime(join(root, 'services', s, 'src', 'generated', 'prisma', 'client.ts'));
  });
  if (stale) run('node', [join(root, 'scripts', 'prisma-generate.js')]);
}

function canConnect(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const DEFAULTS = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/llmlab',
  REDIS_URL: 'redis://127.0.0.1:6379',
  NATS_URL: 'nats://127.0.0.1:4222',
};

/** Checks PostgreSQL, Redis and NATS answer; says which does not and how to start it. */
async function checkDependencies(env) {
  const deps = [
    { name: 'PostgreSQL', variable: 'DATABASE_URL', compose: 'postgres', fallbackPort: 5432 },
    { name: 'Redis', variable: 'REDIS_URL', compose: 'redis', fallbackPort: 6379 },
    { name: 'NATS (with JetStream)', variable: 'NATS_URL', compose: 'nats', fallbackPort: 4222 },
  ];
  const missing = [];
  for (const d of deps) {
    const url = new URL(env[d.variable] || DEFAULTS[d.variable]);
    const port = Number(url.port) || d.fallbackPort;
    if (!(await canConnect(url.hostname, port))) missing.push({ ...d, where: `${url.hostname}:${port}` });
  }
  if (missing.length === 0) return;
  for (const m of missing) process.stderr.write(`✗ ${m.name} is not reachable at ${m.where} (${m.variable}).\n`);
  process.stderr.write(
    `\nStart ${missing.length > 1 ? 'them' : 'it'} with:  docker compose up -d ${missing.map((m) => m.compose).join(' ')}\n` +
      'or point the variable(s) above at a running server.\n',
  );
  process.exit(1);
}

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * The browser tests drive Debian's Chromium (Playwright's own downloads are not reachable). When it is missing and
 * this runs as root with apt-get (CI, a fresh machine), it is installed; otherwise the way to install it is printed.
 */
function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    process.stderr.write(`✗ Chromium is not installed at ${CHROMIUM}: run  sudo apt-get install -y chromium  (or set CHROMIUM_PATH)\n`);
    process.exit(1);
  }
  process.stdout.write('Installing Chromium for the browser tests (apt-get install chromium)...\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-dejavu-core'], { env });
}

module.exports = {
  root,
  TEST_BUILD,
  run,
  ensureInstalled,
  ensurePrismaClients,
  ensureChromium,
  checkDependencies,
  canConnect,
  DEFAULTS,
  mtime,
};
