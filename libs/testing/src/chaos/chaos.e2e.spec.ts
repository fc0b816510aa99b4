import { ChaosRig, chaosOptions, formatChaosReport, runChaos, SHORT_CHAOS } from './chaos-run';

jest.setTimeout(600_000);

// The short version of `npm run chaos` (docs/reliability.md), the same code with one fault of each kind: NATS killed,
// PostgreSQL crashed, gateway, ingestion and alerts killed, ingestion frozen, all under sustained ingest through the
// gateway; nothing acknowledged is lost, nothing is counted twice, every total equals the ledger's, and each budget
// threshold is alerted once.
describe('chaos: one fault of each kind under sustained ingest', () => {
  const lines: string[] = [];
  const rig = new ChaosRig((line) => lines.push(line));

  afterAll(() => rig.teardown(), 120_000);

  it('loses no acknowledged event, counts none twice, keeps every total equal to the ledger and alerts each threshold once', async () => {
    const report = await runChaos(rig, chaosOptions(SHORT_CHAOS), (line) => lines.push(line)).catch((err: Error) => {
      throw new Error(`${err.message}\n\nrig log:\n${lines.join('\n')}`);
    });
    const printed = formatChaosReport(report);
    if (report.failures.length) throw new Error(`${printed}\n\nrig log:\n${lines.join('\n')}`);
    expect(report.accounting).toMatchObject({ lost: [], lostFromLedger: [], duplicated: [], unexplained: [], totalsEqual: true });
    expect(report.accounting.acked).toBeGreaterThan(0);
    expect(report.accounting.alerts.map((a) => [a.threshold, a.fired])).toEqual([
      [50, 1],
      [80, 1],
      [100, 1],
    ]);
  });
});
