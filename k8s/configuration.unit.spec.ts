/**
 * The configuration reference users read (docs/operations.md) and the deployment guide (docs/deployment.md),
 * checked against the code: every variable a process reads is documented with the processes that read it and
 * its default, nothing else is, and the guide speaks of the keys operators must actually provide.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '@llmlab/contracts';
import { codeDefault, declaredOwnEnv, DOMAIN, listedOwnEnv, reads, RETIRED_VARIABLES, ROOT } from './service-env';

const operations = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
const deployment = readFileSync(join(ROOT, 'docs', 'deployment.md'), 'utf8');

interface Row {
  variables: string[];
  usedBy: Set<ServiceName>;
  defaults: string[];
  line: string;
}

/** The `| variable | used by | default | meaning |` rows of the Configuration section. */
function configurationRows(): Row[] {
  const section = operations.slice(
    operations.indexOf('## Configuration'),
    operations.indexOf('\n## ', operations.indexOf('## Configuration') + 1),
  );
  const aliases: Record<string, ServiceName[]> = { all: [...SERVICE_NAMES], 'domain services': [...DOMAIN] };
  const rows: Row[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split(' | ').map((c) => c.replace(/^\|\s*|\s*\|$/g, '').trim());
    if (cells.length < 4 || !cells[0].startsWith('`')) continue;
    const usedBy = new Set<ServiceName>();
    for (const part of cells[1]
      .replace(/\([^)]*\)/g, '')
      .split(/,| and /)
      .map((p) => p.replace(/`/g, '').trim())) {
      for (const name of aliases[part] ?? (SERVICE_NAMES.includes(part as ServiceName) ? [part as ServiceName] : [])) usedBy.add(name);
    }
    rows.push({
      variables: [...cells[0].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]),
      usedBy,
      defaults: [...cells[2].matchAll(/`([^`]*)`/g)].map((m) => m[1]),
      line,
    });
  }
  return rows;
}

const rows = configurationRows();
const documented = new Map(rows.flatMap((r) => r.variables.map((v) => [v, r] as const)));
/** Read by processes other than the eight services: the migration runner and the standalone relay. */
const relayVariables = [
  ...readFileSync(join(ROOT, 'libs/messaging/src/relay/relay.main.ts'), 'utf8').matchAll(/^\s+(RELAY_[A-Z_]+):/gm),
].map((m) => m[1]);
const OTHER_PROCESSES = ['MIGRATION_DATABASE_URL', ...relayVariables];

describe('service-env.ts', () => {
  it("lists each domain service's own variables as its main.ts passes them", () => {
    for (const name of DOMAIN) expect({ name, env: declaredOwnEnv(name) }).toEqual({ name, env: listedOwnEnv(name) });
  });
});

describe('docs/operations.md configuration tables', () => {
  it('document every variable the code reads, and nothing else', () => {
    expect(rows.length).toBeGreaterThan(30);
    const read = new Set([...SERVICE_NAMES.flatMap((n) => [...reads(n)]), ...OTHER_PROCESSES]);
    expect(relayVariables.length).toBeGreaterThan(0);
    expect([...read].filter((v) => !documented.has(v)).sort()).toEqual([]);
    expect([...documented.keys()].filter((v) => !read.has(v)).sort()).toEqual([]);
  });

  it('name the services that read each variable', () => {
    for (const [variable, row] of documented) {
      if (OTHER_PROCESSES.includes(variable)) continue;
      const actual = SERVICE_NAMES.filter((n) => reads(n).has(variable));
      expect({ variable, usedBy: [...row.usedBy].sort() }).toEqual({ variable, usedBy: [...actual].sort() });
    }
  });

  it('give the defaults the code has', () => {
    let compared = 0;
    for (const row of rows) {
      if (row.defaults.length !== row.variables.length) continue;
      row.variables.forEach((variable, i) => {
        for (const name of SERVICE_NAMES.filter((n) => reads(n).has(variable))) {
          const actual = codeDefault(name, variable);
          if (actual === undefined) continue;
          expect({ variable, name, default: row.defaults[i] }).toEqual({ variable, name, default: actual });
          compared++;
        }
      });
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('say the master key is required in production, by whom, and how to make one', () => {
    const row = documented.get('MASTER_ENCRYPTION_KEY')!;
    expect(row.line).toMatch(/Required in production/);
    expect(row.line).toContain('openssl rand -base64 32');
    for (const retired of RETIRED_VARIABLES) expect(operations).not.toContain(retired);
  });
});

describe('docs/deployment.md', () => {
  it('asks for the keys the services read, and no retired one', () => {
    for (const retired of [...RETIRED_VARIABLES, 'jwtPrivateKey', 'jwtPublicKey', 'jwt-private.pem'])
      expect({ retired, found: deployment.includes(retired) }).toEqual({ retired, found: false });
    expect(deployment).toContain('MASTER_ENCRYPTION_KEY');
    expect(deployment).toContain('openssl rand -base64 32');
    expect(deployment).toContain("require('crypto').randomBytes(32).toString('base64')");
    expect(deployment).toMatch(/max_payload/);
  });
});
