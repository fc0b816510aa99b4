import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * The arguments that run one of the repository's TypeScript entry points (`services/<name>/src/main.ts`, a `*.main.ts`)
 * in a child process. `npm test` compiles the build configuration once per run and names its output in
 * `LLMLAB_TEST_BUILD`; an entry found there runs compiled, as `npm start` runs it. Otherwise (a test run on its own,
 * a file the build leaves out) it runs from its source through @swc-node/register, which transpiles every module the
 * process loads at each start: about twice the CPU of loading the compiled tree (docs/contributing.md).
 */
export function nodeEntry(sourcePath: string): string[] {
  const build = process.env.LLMLAB_TEST_BUILD;
  if (build) {
    const compiled = join(build, relative(ROOT, sourcePath)).replace(/\.ts$/, '.js');
    if (existsSync(compiled)) return [compiled];
  }
  return ['-r', '@swc-node/register', sourcePath];
}
