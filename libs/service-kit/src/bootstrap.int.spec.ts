import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, nodeEntry, testEnv, uniqueSuffix, type TestDatabase } from '@llmlab/testing';

const ROOT = join(__dirname, '..', '..', '..');

// A misconfigured service must stop at once with a message that names the variable, before touching anything.
describe('service start-up with a bad environment', () => {
  it.each([
    ['audit', { DATABASE_URL: 'mysql://db/llmlab' }, 'DATABASE_URL: must be a URL with scheme postgres or postgresql'],
    ['alerts', { HTTP_PORT: 'eighty' }, 'HTTP_PORT'],
    ['gateway', { PORT: '70000' }, 'PORT'],
  ])('%s exits 1 naming %j', (service, env, expected) => {
    const res = spawnSync(process.execPath, nodeEntry(join(ROOT, 'services', service, 'src', 'main.ts')), {
      cwd: ROOT,
      env: { ...process.env, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(res.status).toBe(1);
    const line = JSON.parse(res.stderr.trim().split('\n').pop() ?? '{}');
    expect(line).toMatchObject({ level: 'fatal', service });
    expect(line.msg).toContain('Invalid configuration');
    expect(line.msg).toContain(expected);
  });
});

// A signal that arrives while a service is still starting (its workers start after /health answers) stops it
// gracefully once the start is over: exit 0, not a process killed by the signal's default action.
describe('a SIGTERM during start-up', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  function startService(service: string) {
    const child = spawn(process.execPath, nodeEntry(join(ROOT, 'services', service, 'src', 'main.ts')), {
      cwd: ROOT,
      env: {
        ...process.env,
        SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: db.url,
        NATS_URL: testEnv.natsUrl,
        REDIS_URL: testEnv.redisUrl,
        NATS_PREFIX: `sig${uniqueSuffix(3)}`,
        MIGRATE_ON_START: 'false',
        HTTP_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = { text: '' };
    child.stdout.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    return { child, output, exit };
  }

  it('ends in a graceful exit 0', async () => {
    const { child, output, exit } = startService('auth');
    // As soon as the process logs anything (it is running its start), before it is ready.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGTERM');
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(output.text).toContain('shutting down');
  }, 90_000);

  // A service that declares no background worker (audit, until it has one) starts without logging an error.
  it('starts a service without background workers cleanly', async () => {
    const { child, output, exit } = startService('audit');
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => output.text.includes('audit ready') && resolve());
      void exit.then(() => reject(new Error(`audit exited during start:\n${output.text}`)));
    });
    child.kill('SIGTERM');
    expect(await exit).toEqual({ code: 0, signal: null });
    const levels = output.text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { level: string; msg: string }).level);
    expect(levels.filter((level) => level === 'error' || level === 'fatal')).toEqual([]);
  }, 90_000);
});
