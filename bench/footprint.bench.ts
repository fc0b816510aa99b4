// npm run bench:footprint: the platform's memory as `npm start` runs it. The services run compiled (the build
// configuration, built here into .llmlab/test-build as `npm test` builds it; BENCH_NO_BUILD=1 uses the one there),
// all eight on a fresh database. A service's memory falls for a minute or so after it starts, as V8 gives back the
// heap its start-up used, so the benchmark samples every 10 s for BENCH_SETTLE_SECONDS (120) once the services are
// ready, then gives every service work (a sign-up, a project and an API key, a batch of usage, and a read of each
// service's lists: costs, budgets, alerts, channels, recommendations, reconciliation, providers, provider keys,
// routes, traces, the audit log) and samples as long again. Each sample reads every service's RSS (/proc/<pid>/status
// VmRSS) and PSS (/proc/<pid>/smaps_rollup: shared pages divided among the processes sharing them). Its baseline,
// measured in the same run: the RSS and PSS of a Node process that loads nothing.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMAIN_SERVICES, type ServiceName } from '@llmlab/contracts';
import { createSession, usageEvent } from '@llmlab/testing';
import { postUsage, pssMiB, rssMiB, servicePids, sleep, startIngestBench } from './measure';

const ROOT = join(__dirname, '..');
// scripts/lib.js's TEST_BUILD, where scripts/build-for-tests.js writes.
const BUILD = join(ROOT, '.llmlab', 'test-build');
const SETTLE_MS = Number(process.env.BENCH_SETTLE_SECONDS ?? 120) * 1000;
const SAMPLE_MS = 10_000;
if (!(SETTLE_MS >= SAMPLE_MS)) throw new Error('BENCH_SETTLE_SECONDS must be at least 10 (one sample)');

interface Sample {
  seconds: number;
  rss: Map<string, number>;
  pss: Map<string, number>;
}

/** Samples every service's RSS and PSS every 10 s for the settle window, from now. */
async function sampleWindow(pids: Map<string, number>): Promise<Sample[]> {
  const samples: Sample[] = [];
  const started = Date.now();
  for (let at = SAMPLE_MS; at <= SETTLE_MS; at += SAMPLE_MS) {
    await sleep(started + at - Date.now());
    samples.push({
      seconds: at / 1000,
      rss: new Map([...pids].map(([service, pid]) => [service, rssMiB(pid)])),
      pss: new Map([...pids].map(([service, pid]) => [service, pssMiB(pid)])),
    });
  }
  return samples;
}

/** The same-run baseline: a Node process that loads nothing, its RSS and PSS once started. */
async function bareNode(): Promise<{ rss: number; pss: number }> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await sleep(2000);
  const out = { rss: rssMiB(child.pid!), pss: pssMiB(child.pid!) };
  child.kill();
  return out;
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
    const pids = servicePids(bench.platform.natsPrefix);
    if (pids.size !== services.length) throw new Error(`found ${pids.size} of the ${services.length} services' processes`);
    const idle = await sampleWindow(pids);

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
    const used = await sampleWindow(pids);

    const bare = await bareNode();
    const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const mib = (n: number | undefined) => (n === undefined ? 'n/a' : `${Math.round(n).toLocaleString('en-US')} MiB`);
    const first = idle.find((x) => x.seconds === 20) ?? idle[0];
    const settled = idle[idle.length - 1];
    const usedSettled = used[used.length - 1];
    const lines = [
      `footprint benchmark, ${new Date().toISOString().slice(0, 10)}: the services compiled, ${services.length} of them; load average before ${load}`,
      '',
      '| window | seconds | RSS, total | PSS, total |',
      '|---|---|---|---|',
      ...idle.map((x) => `| idle after start | ${x.seconds} | ${mib(sum(x.rss))} | ${mib(sum(x.pss))} |`),
      ...used.map((x) => `| after a first use | ${x.seconds} | ${mib(sum(x.rss))} | ${mib(sum(x.pss))} |`),
      '',
      `| service | RSS ${first.seconds} s after start | RSS, settled (${settled.seconds} s) | PSS, settled | RSS after a first use (${usedSettled.seconds} s) | PSS after a first use |`,
      '|---|---|---|---|---|---|',
      ...services.map(
        (name) =>
          `| ${name} | ${mib(first.rss.get(name))} | ${mib(settled.rss.get(name))} | ${mib(settled.pss.get(name))} | ${mib(usedSettled.rss.get(name))} | ${mib(usedSettled.pss.get(name))} |`,
      ),
      `| **total** | **${mib(sum(first.rss))}** | **${mib(sum(settled.rss))}** | **${mib(sum(settled.pss))}** | **${mib(sum(usedSettled.rss))}** | **${mib(sum(usedSettled.pss))}** |`,
      `| baseline: a bare Node process (${services.length} of them) | ${mib(bare.rss)} (${mib(bare.rss * services.length)}) | | ${mib(bare.pss)} | | |`,
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
