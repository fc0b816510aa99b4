import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

// A misconfigured service must stop at once with a message that names the variable, before touching anything.
describe('service start-up with a bad environment', () => {
  it.each([
    ['audit', { DATABASE_URL: 'mysql://db/llmlab' }, 'DATABASE_URL: must be a URL with scheme postgres or postgresql'],
    ['alerts', { HTTP_PORT: 'eighty' }, 'HTTP_PORT'],
    ['gateway', { PORT: '70000' }, 'PORT'],
  ])('%s exits 1 naming %j', (service, env, expected) => {
    const res = spawnSync(process.execPath, ['-r', '@swc-node/register', join(ROOT, 'services', service, 'src', 'main.ts')], {
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
