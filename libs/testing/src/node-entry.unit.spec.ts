import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeEntry } from './node-entry';

const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'services', 'audit', 'src', 'main.ts');

describe('nodeEntry', () => {
  const saved = process.env.LLMLAB_TEST_BUILD;
  let build: string;

  beforeEach(() => {
    // Under the repository, as `npm test`'s build is: the compiled services find node_modules above them.
    mkdirSync(join(ROOT, '.llmlab'), { recursive: true });
    build = mkdtempSync(join(ROOT, '.llmlab', 'node-entry-'));
  });
  afterEach(() => {
    rmSync(build, { recursive: true, force: true });
    if (saved === undefined) delete process.env.LLMLAB_TEST_BUILD;
    else process.env.LLMLAB_TEST_BUILD = saved;
  });

  it('runs the source through @swc-node/register when no build is named', () => {
    delete process.env.LLMLAB_TEST_BUILD;
    expect(nodeEntry(MAIN)).toEqual(['-r', '@swc-node/register', MAIN]);
  });

  it('runs the compiled entry from the named build, at the same place under it', () => {
    const compiled = join(build, 'services', 'audit', 'src', 'main.js');
    mkdirSync(join(build, 'services', 'audit', 'src'), { recursive: true });
    writeFileSync(compiled, '');
    process.env.LLMLAB_TEST_BUILD = build;
    expect(nodeEntry(MAIN)).toEqual([compiled]);
  });

  it('falls back to the source for a file the build left out', () => {
    process.env.LLMLAB_TEST_BUILD = build;
    expect(nodeEntry(MAIN)).toEqual(['-r', '@swc-node/register', MAIN]);
  });
});
