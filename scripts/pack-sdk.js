#!/usr/bin/env node
// Builds the SDK (libs/sdk) and packs it where the gateway serves the dashboard, so an application installs the
// version of the SDK that matches its platform with `npm install <platform>/sdk/llmlab-sdk.tgz` (the package is not
// on the npm registry). Usage: node scripts/pack-sdk.js [destination directory, default web/dist/sdk].
'use strict';
const { mkdirSync, renameSync, rmSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { root, run } = require('./lib');

const sdk = join(root, 'libs', 'sdk');
const destination = resolve(process.argv[2] ?? join(root, 'web', 'dist', 'sdk'));

rmSync(join(sdk, 'dist'), { recursive: true, force: true });
run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(sdk, 'tsconfig.build.json')]);
mkdirSync(destination, { recursive: true });
const { version } = require(join(sdk, 'package.json'));
run('npm', ['pack', sdk, '--pack-destination', destination, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
renameSync(join(destination, `llmlab-sdk-${version}.tgz`), join(destination, 'llmlab-sdk.tgz'));
// The compiled package lives on in the tarball only: the source tree stays as it was.
rmSync(join(sdk, 'dist'), { recursive: true, force: true });
