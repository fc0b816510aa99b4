/**
 * The purity of deciders, coded errors and this kernel is enforced by dependency-cruiser (`.dependency-cruiser.js`,
 * run by `npm test`). This proves the rule sees through helpers: a decider that reaches NestJS two imports deep
 * fails, as does one that reaches a Node built-in, while a decider that reaches only the kernel passes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function cruise(files: Record<string, string>): Violation[] {
  const dir = mkdtempSync(join(tmpdir(), 'llmlab-purity-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@llmlab/domain': ['libs/domain/src'] } } }),
    );
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    let out: string;
    try {
      out = execFileSync(
        join(ROOT, 'node_modules', '.bin', 'depcruise'),
        ['--config', join(ROOT, '.dependency-cruiser.js'), '--output-type', 'json', 'libs', 'services'],
        { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
    } catch (err) {
      // depcruise exits non-zero when it finds violations; its report is still on stdout.
      out = (err as { stdout: string }).stdout;
    }
    return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kernel = {
  'libs/domain/src/index.ts': `export * from './decider';\n`,
  'libs/domain/src/decider.ts': `export interface Decider { decide(): unknown[] }\n`,
};

describe('the purity rule', () => {
  it('fails a decider that reaches NestJS through a helper', () => {
    const violations = cruise({
      ...kernel,
      'services/widgets/src/widgets/widget.decider.ts': `import { label } from './widget.helper';\nexport const decide = () => [label];\n`,
      'services/widgets/src/widgets/widget.helper.ts': `import { format } from './widget.format';\nexport const label = format('w');\n`,
      'services/widgets/src/widgets/widget.format.ts': `import { Injectable } from '@nestjs/common';\nexport const format = (s: string) => String(Injectable) + s;\n`,
    });
    expect(violations).toContainEqual(
      expect.objectContaining({
        rule: { name: 'domain-is-pure', severity: 'error' },
        from: 'services/widgets/src/widgets/widget.decider.ts',
        to: expect.stringMatching(/node_modules\/@nestjs\/common\//),
      }),
    );
  });

  it('fails the kernel itself and coded errors when they reach a driver or a built-in', () => {
    const violations = cruise({
      ...kernel,
      'libs/domain/src/index.ts': `export * from './decider';\nexport * from './clock';\n`,
      'libs/domain/src/clock.ts': `import { randomUUID } from 'node:crypto';\nexport const id = () => randomUUID();\n`,
      'services/widgets/src/widgets/widget.errors.ts': `import { Pool } from 'pg';\nexport const pool = Pool;\n`,
    });
    const names = violations.map((v) => `${v.rule.name} ${v.from}`);
    expect(names).toContain('domain-uses-no-node-built-ins libs/domain/src/clock.ts');
    expect(names).toContain('domain-is-pure services/widgets/src/widgets/widget.errors.ts');
  });

  it('passes a decider that reaches only the kernel and its own pure helpers', () => {
    const violations = cruise({
      ...kernel,
      'services/widgets/src/widgets/widget.decider.ts': `import type { Decider } from '@llmlab/domain';\nimport { label } from './widget.helper';\nexport const d: Decider | string = label;\n`,
      'services/widgets/src/widgets/widget.helper.ts': `export const label = 'w';\n`,
    });
    expect(violations).toEqual([]);
  });
});
