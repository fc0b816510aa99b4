// @vitest-environment node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';

const ROOT = join(__dirname, '..', '..', '..', '..');

// The dashboard is typed by the types generated from docs/openapi.json for the SDK (libs/sdk/src/generated/api.ts).
// When the document changes and the types were not regenerated, this fails: run `npm run sdk:generate`.
// (services/gateway/test/sdk-client.int.spec.ts checks the document against the live gateway.)
describe('the API types the dashboard compiles against', () => {
  it('are exactly what docs/openapi.json generates', async () => {
    const document = JSON.parse(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8')) as OpenAPI3;
    const committed = readFileSync(join(ROOT, 'libs', 'sdk', 'src', 'generated', 'api.ts'), 'utf8');
    const generated = astToString(await openapiTS(document));
    expect(committed.endsWith(generated)).toBe(true);
  }, 30_000);
});
