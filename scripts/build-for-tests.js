#!/usr/bin/env node
// The build configuration compiled into .llmlab/test-build (emptied first), its path aliases resolved: what `npm test`'s
// tiers and `npm run bench:footprint` run the services from (libs/testing's nodeEntry, through LLMLAB_TEST_BUILD).
// It type-checks the build configuration on the way, as `npm start` and the image compile it.
'use strict';
const { rmSync } = require('node:fs');
const { join } = require('node:path');
const { root, run, TEST_BUILD } = require('./lib');

const bin = (name) => join(root, 'node_modules', '.bin', name);
rmSync(TEST_BUILD, { recursive: true, force: true });
run(bin('tsc'), ['-p', 'tsconfig.build.json', '--incremental', 'false', '--outDir', TEST_BUILD]);
run(bin('tsc-alias'), ['-p', 'tsconfig.build.json', '--outDir', TEST_BUILD]);
