// npm run bench:footprint: the platform's memory as `npm start` runs it. The services run compiled (the build
// configuration, built here into .llmlab/test-build as `npm test` builds it; BENCH_NO_BUILD=1 uses the one there),
// all eight on a fresh database. It prints each service's RSS (/proc/<pid>/status VmRSS) idle after start, and again
// after a first use that sends every service work: a sign-up, a project and an API key, a batch of usage, and a read
// of each service's lists (costs, budgets, alerts, channels, recommendations, reconciliation, providers, provider
// keys, routes, traces, the audit log), once the services settled (BENCH_SETTLE_SECONDS, 20). Its baseline, measured
// in the same run: the RSS of a Node process that loads nothing.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMAIN_SERVICES, type ServiceName } from '@llmlab/contracts';
import { createSession, usageEvent } from '@llmlab/testing';
import { postUsage, rssMiB, servicePids, sleep, startIngestBench } from './measure';

const ROOT = join(__dirname, '..');
// scripts/lib.js's TEST_BUILD, where scripts/build-for-tests.js writes.
const BUILD = join(ROOT, '.llmlab', 'test-build');
const SETTLE_MS = Number(process.env.BENCH_SETTLE_SECONDS ?? 20) * 1000;

/** Each service's RSS in MiB, for this run's services (their NATS prefix). */
function rssByService(prefix: string): Map<string, number> {
  return new Map([...servicePids(prefix)].map(([service, pid]) => [service, rssMiB(pid)]));
}

/** The same-run baseline: a Node process that loads nothing, its RSS once started. */
async function bareNodeMiB(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(2000);
  const mib = rssMiB(child.pid!);
  child.kill();
  return mib;
}

async function main() {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  if (process.env.BENCH_NO_BUILD !== '1') {
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-for-tests.js')], { cwd: ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('the build configuration did not build');
  }
  process.env.LLMLAB_TEST_BUILD = BUILD;
  const services: ServiceName[] = ['gateway', ...DOMAIN_SERVICES];
  const bench = await startIngestBench(services);
  try {
    const prefix = bench.platform.natsPrefix;
    await sleep(SETTLE_MS);
    const idle = rssByService(prefix);

    const s = await createSession(bench.platform.gatewayUrl);
    const batch = await postUsage(s, JSON.stringify({ events: Array.from({ length: 100 }, () => usageEvent()) }));
    if (batch.status !== 202) throw new Error(`usage answered ${batch.status}`);
    const org = `/v1/organizations/${s.organizationId}`;
    const project = `/v1/projects/${s.projectId}`;
    const reads = [
      `${org}/costs/summary`,
      `${project}/usage`,
      `${org}/budgets`,
      `${org}/alerts`,
      `${org}/channels`,
      `${org}/recommendations`,
      `${org}/reconciliation`,
      `${org}/providers`,
      `${project}/provider-keys`,
      `${project}/routes`,
      `${project}/traces`,
      `${org}/audit/events`,
      `${org}/members`,
    ];
    for (const path of reads) {
      const res = await s.agent.get(path);
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    }
    await sleep(SETTLE_MS);
    const used = rssByService(prefix);

    const bare = await bareNodeMiB();
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const mib = (n: number | undefined) => (n === undefined ? 'n/a' : `${n.toFixed(0)} MiB`);
    const lines = [
      `footprint benchmark, ${new Date().toISOString().slice(0, 10)}: the services compiled, ${services.length} of them; load average before ${load}`,
      '',
      '| service | idle after start | after a first use |',
      '|---|---|---|',
      ...services.map((name) => `| ${name} | ${mib(idle.get(name))} | ${mib(used.get(name))} |`),
      `| **total** | **${mib(sum(idle))}** | **${mib(sum(used))}** |`,
      `| baseline: a bare Node process (${services.length} of them) | ${mib(bare)} (${mib(bare * services.length)}) | |`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await bench.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
