#!/usr/bin/env node
// `npm run service -- <name>`: runs one service from the build (e.g. to restart it beside `npm start`).
'use strict';
const { spawn } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { root, DEFAULTS } = require('./lib');

const name = process.argv[2];
const entry = name && join(root, 'dist', 'services', name, 'src', 'main.js');
if (!entry || !existsSync(entry)) {
  process.stderr.write(
    'usage: npm run service -- <gateway|auth|ingestion|provider-sync|recommendations|alerts|audit|proxy>\n(run `npm start` or `npm run build` first)\n',
  );
  process.exit(2);
}
const child = spawn(process.execPath, [entry], { cwd: root, env: { ...DEFAULTS, ...process.env }, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
