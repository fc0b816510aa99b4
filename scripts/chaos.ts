// `npm run chaos`: the full chaos run (docs/reliability.md). Starts a PostgreSQL and a NATS server of its own on free
// ports and the platform on them, sends usage through the gateway without a break while it kills NATS five times,
// crashes PostgreSQL, kills the gateway, the ingestion service twice and the alerts service, and freezes the ingestion
// service for 30 s; then prints what was acknowledged, recorded and lost, the totals against the ledger and the
// budget alerts. Exits 1 when anything was lost or counted twice, a total differs, or a threshold was not alerted
// exactly once. CHAOS_<OPTION> variables change the schedule (CHAOS_NATS_KILLS=2, CHAOS_FREEZE_MS=10000...).
import { ChaosRig, chaosOptions, formatChaosReport, FULL_CHAOS, runChaos } from '@llmlab/testing';

const started = Date.now();
const log = (line: string) => process.stderr.write(`[chaos ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const rig = new ChaosRig(log);

// Ctrl-C or a kill must not leave a PostgreSQL, a NATS server or services running.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: tearing down`);
    void rig.teardown().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const options = chaosOptions(FULL_CHAOS);
  log(`options ${JSON.stringify(options)}`);
  const report = await runChaos(rig, options, log);
  process.stdout.write(`${formatChaosReport(report)}\n`);
  return report.failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    await rig.teardown();
    process.exit(2);
  },
);
