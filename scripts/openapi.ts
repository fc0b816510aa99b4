// Writes the gateway's live OpenAPI document to docs/openapi.json (the committed contract that clients and the
// SDK are generated from). `npm run openapi` after changing a route; a test fails when the two drift.
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@llmlab/config';
import { gatewayEnv } from '../services/gateway/src/gateway.config';
import { createGatewayApp } from '../services/gateway/src/gateway.app';
import { buildOpenApiDocument } from '../services/gateway/src/openapi/openapi';

export const OPENAPI_PATH = join(__dirname, '..', 'docs', 'openapi.json');

async function main() {
  const config = loadConfig(gatewayEnv, { ...process.env, LOG_LEVEL: 'warn' });
  const gateway = await createGatewayApp(config);
  try {
    const document = buildOpenApiDocument(gateway.app);
    writeFileSync(OPENAPI_PATH, JSON.stringify(document, null, 2) + '\n');
    process.stdout.write(`wrote ${Object.keys(document.paths).length} paths to docs/openapi.json\n`);
  } finally {
    await gateway.close();
  }
}

void main();
