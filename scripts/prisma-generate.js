#!/usr/bin/env node
// Generates the Prisma client of every service (services/*/prisma/schema.prisma) offline.
// The schema engine binary cannot be downloaded on every machine and `generate` does not need it: any path will do.
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const prisma = join(root, 'node_modules', '.bin', 'prisma');
for (const service of readdirSync(join(root, 'services')).sort()) {
  const schema = join(root, 'services', service, 'prisma', 'schema.prisma');
  if (!existsSync(schema)) continue;
  execFileSync(prisma, ['generate', '--schema', schema], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  process.stdout.write(`prisma client generated for ${service}\n`);
}
