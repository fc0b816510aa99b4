#!/usr/bin/env node
// `npm run bench:k6:bundle`: each k6 script of bench/k6 as one JavaScript file in dist/k6, for a k6 older than 0.57
// (which runs the TypeScript files as they are) or to copy a single file to the machine that runs k6.
'use strict';
const { readdirSync } = require('node:fs');
const { join } = require('node:path');
const { build } = require('esbuild');

const root = join(__dirname, '..');
const dir = join(root, 'bench', 'k6');
const outdir = join(root, 'dist', 'k6');

async function main() {
  const entryPoints = readdirSync(dir)
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(dir, name));
  // k6 loads ES modules and provides its own `k6/*` modules; es2020 is what its runtime is sure to parse.
  await build({
    entryPoints,
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    external: ['k6', 'k6/*'],
    logLevel: 'warning',
  });
  for (const entry of entryPoints) process.stdout.write(`dist/k6/${entry.slice(dir.length + 1).replace(/\.ts$/, '.js')}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
