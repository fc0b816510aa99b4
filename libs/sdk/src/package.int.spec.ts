import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');

// The SDK is not on the npm registry: the platform serves the package it was built with (scripts/pack-sdk.js, run by
// `npm run build`). What an application gets from that tarball must install and load on its own.
describe('the SDK package the platform serves', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'llmlab-sdk-pack-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('installs from its tarball into a fresh application and loads there, without the tests', () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'pack-sdk.js'), join(dir, 'sdk')], { stdio: 'pipe' });
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', join(dir, 'sdk', 'llmlab-sdk.tgz'), '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: app,
      stdio: 'pipe',
    });
    const loaded = execFileSync(
      process.execPath,
      ['-e', "const sdk = require('@llmlab/sdk'); console.log(typeof sdk.LLMLab, typeof sdk.withContext, sdk.SDK_VERSION)"],
      { cwd: app, encoding: 'utf8' },
    );
    const { version } = JSON.parse(readFileSync(join(ROOT, 'libs', 'sdk', 'package.json'), 'utf8')) as { version: string };
    expect(loaded.trim()).toBe(`function function ${version}`);
    const shipped = readdirSync(join(app, 'node_modules', '@llmlab', 'sdk', 'dist'), { recursive: true }).map(String);
    expect(shipped).toContain('index.js');
    expect(shipped).toContain('index.d.ts');
    expect(shipped.filter((file) => /\.spec\.|[\\/]?testing[\\/]/.test(file))).toEqual([]);
  }, 180_000);
});
