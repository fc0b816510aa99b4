import { Decimal } from 'decimal.js';
import type { Client } from 'pg';
import type { UsageLedgerKeySource } from '@llmlab/crypto';
import { ledgerUsageRecords } from '../ledger-events';
import type { Agent } from '../session';
import type { Received } from '../webhook-receiver';
import type { SentUsage } from './usage-load';

/** Requests, tokens and cost as one source counts them. */
export interface Totals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  /** USD, a decimal string; null where the source does not know costs (the clients). */
  cost: string | null;
}

export interface ThresholdCount {
  threshold: number;
  /** Distinct alerts fired for it (alert ids seen by the webhook receiver). */
  fired: number;
  /** Requests the receiver got for it, copies of one delivery included (at least once: docs/alerting.md). */
  deliveries: number;
  /** Distinct delivery ids (X-LLMLab-Delivery) among them. */
  deliveryIds: number;
  /** Threshold alerts of the budget the alerts API lists. */
  listed: number;
}

export interface Accounting {
  sent: number;
  acked: number;
  /** Ids with a row in ingestion.usage_records of the project. */
  recorded: number;
  /** Distinct ids in the project's ledger (the event store's UsageRecorded events) and the record copies there. */
  ledgerIds: number;
  ledgerCopies: number;
  /** Acknowledged and not recorded: must be none. */
  lost: string[];
  /** Acknowledged and missing from the ledger: must be none. */
  lostFromLedger: string[];
  /** Ids with more than one record row: must be none. */
  duplicated: string[];
  /** Recorded without a 202 (the answer was lost, or the run ended while its batch was being resent): allowed. */
  recordedNotAcked: number;
  /** Recorded ids the ledger does not hold, or never sent by the clients: must be none. */
  unexplained: string[];
  rejected: number;
  totals: {
    /** The clients' own tokens for every id the ledger holds. */
    clients: Totals;
    /** The ledger, each id counted once (its first copy, as the projection counts it). */
    ledger: Totals;
    records: Totals;
    rollupsHourly: Totals;
    rollupsDaily: Totals;
    /** GET /v1/projects/{id}/costs/summary over the run. */
    costSummary: Totals;
    /** The alerts service's live spend of the budget (GET /v1/budgets/{id}): cost only. */
    budgetSpend: string;
  };
  totalsEqual: boolean;
  alerts: ThresholdCount[];
}

export interface AccountingInput {
  sql: Client;
  keys: UsageLedgerKeySource;
  projectId: string;
  organizationId: string;
  budgetId: string;
  thresholds: readonly number[];
  /** Signed-in owner of the organization (alerts and budgets are not readable with an API key). */
  user: Agent;
  sent: ReadonlyMap<string, SentUsage>;
  acked: ReadonlySet<string>;
  rejected: number;
  /** What the webhook receiver got on the channel's path. */
  webhooks: readonly Received[];
  /** A range holding every event of the run, for the cost summary. */
  from: Date;
  to: Date;
}

const sameTotals = (a: Totals, b: Totals) =>
  a.requests === b.requests &&
  a.inputTokens === b.inputTokens &&
  a.outputTokens === b.outputTokens &&
  (a.cost === null || b.cost === null || new Decimal(a.cost).eq(b.cost));

async function sums(sql: Client, table: string, projectId: string, requests: string): Promise<Totals> {
  const { rows } = await sql.query<{ requests: string; input: string; output: string; cost: string }>(
    `SELECT coalesce(${requests}, 0) AS requests, coalesce(sum(input_tokens), 0) AS input, coalesce(sum(output_tokens), 0) AS output,
            coalesce(sum(cost), 0)::text AS cost
       FROM ${table} WHERE project_id = $1`,
    [projectId],
  );
  const r = rows[0];
  return {
    requests: Number(r.requests),
    inputTokens: Number(r.input),
    outputTokens: Number(r.output),
    cost: new Decimal(r.cost).toFixed(),
  };
}

/**
 * Jepsen-style accounting of a run: the ids the clients were told are durable against the ids recorded and the
 * ledger, and every total the platform serves (records, both rollups, the cost API, the budget's spend) against
 * the totals recomputed from the ledger, each id counted once.
 */
export async function account(input: AccountingInput): Promise<Accounting> {
  const { sql, projectId } = input;
  const { rows: recordRows } = await sql.query<{ event_id: string; n: string }>(
    'SELECT event_id, count(*) AS n FROM ingestion.usage_records WHERE project_id = $1 GROUP BY event_id',
    [projectId],
  );
  const recorded = new Set(recordRows.map((r) => r.event_id));
  const duplicated = recordRows.filter((r) => Number(r.n) > 1).map((r) => r.event_id);

  const copies = await ledgerUsageRecords(sql, projectId, input.keys);
  const firstCopies = new Map<string, (typeof copies)[number]>();
  for (const record of copies) if (!firstCopies.has(record.id)) firstCopies.set(record.id, record);

  const ledger: Totals = { requests: 0, inputTokens: 0, outputTokens: 0, cost: '0' };
  const clients: Totals = { requests: 0, inputTokens: 0, outputTokens: 0, cost: null };
  let cost = new Decimal(0);
  for (const [id, record] of firstCopies) {
    ledger.requests++;
    ledger.inputTokens += record.usage.inputTokens ?? 0;
    ledger.outputTokens += record.usage.outputTokens ?? 0;
    if (record.cost.amount !== null) cost = cost.plus(record.cost.amount);
    const sent = input.sent.get(id);
    clients.requests++;
    clients.inputTokens += sent?.inputTokens ?? 0;
    clients.outputTokens += sent?.outputTokens ?? 0;
  }
  ledger.cost = cost.toFixed();

  const summary = await input.user.get(
    `/v1/projects/${projectId}/costs/summary?from=${input.from.toISOString()}&to=${input.to.toISOString()}`,
  );
  if (summary.status !== 200) throw new Error(`cost summary answered ${summary.status}: ${JSON.stringify(summary.body)}`);
  const current = summary.body.current;
  const costSummary: Totals = {
    requests: current.requests,
    inputTokens: current.tokens.input,
    outputTokens: current.tokens.output,
    cost: new Decimal(current.cost.amount).toFixed(),
  };
  const budget = await input.user.get(`/v1/budgets/${input.budgetId}`);
  if (budget.status !== 200) throw new Error(`budget answered ${budget.status}: ${JSON.stringify(budget.body)}`);
  const budgetSpend = new Decimal(budget.body.current.spend.amount).toFixed();

  const totals = {
    clients,
    ledger,
    records: await sums(sql, 'ingestion.usage_records', projectId, 'count(*)'),
    rollupsHourly: await sums(sql, 'ingestion.usage_rollups_hourly', projectId, 'sum(requests)'),
    rollupsDaily: await sums(sql, 'ingestion.usage_rollups_daily', projectId, 'sum(requests)'),
    costSummary,
    budgetSpend,
  };
  const totalsEqual =
    [totals.clients, totals.records, totals.rollupsHourly, totals.rollupsDaily, totals.costSummary].every((t) => sameTotals(t, ledger)) &&
    new Decimal(budgetSpend).eq(ledger.cost);

  return {
    sent: input.sent.size,
    acked: input.acked.size,
    recorded: recorded.size,
    ledgerIds: firstCopies.size,
    ledgerCopies: copies.length,
    lost: [...input.acked].filter((id) => !recorded.has(id)),
    lostFromLedger: [...input.acked].filter((id) => !firstCopies.has(id)),
    duplicated,
    recordedNotAcked: [...recorded].filter((id) => !input.acked.has(id)).length,
    unexplained: [...recorded].filter((id) => !firstCopies.has(id) || !input.sent.has(id)),
    rejected: input.rejected,
    totals,
    totalsEqual,
    alerts: await countAlerts(input),
  };
}

async function countAlerts(input: AccountingInput): Promise<ThresholdCount[]> {
  const deliveries = input.webhooks
    .map((w) => JSON.parse(w.body) as { type: string; deliveryId: string; alert: { alertId: string; threshold?: string } })
    .filter((d) => d.type === 'alert.threshold');
  const listed = await input.user.get(
    `/v1/organizations/${input.organizationId}/alerts?kind=threshold&budgetId=${input.budgetId}&limit=100`,
  );
  if (listed.status !== 200) throw new Error(`alerts answered ${listed.status}: ${JSON.stringify(listed.body)}`);
  const alerts = listed.body.data as { notification: { threshold: string } }[];
  return input.thresholds.map((threshold) => {
    const mine = deliveries.filter((d) => Number(d.alert.threshold) === threshold);
    return {
      threshold,
      fired: new Set(mine.map((d) => d.alert.alertId)).size,
      deliveries: mine.length,
      deliveryIds: new Set(mine.map((d) => d.deliveryId)).size,
      listed: alerts.filter((a) => Number(a.notification.threshold) === threshold).length,
    };
  });
}

/** What makes the run fail: loss, double counting, totals that differ, a threshold not alerted exactly once. */
export function accountingFailures(a: Accounting): string[] {
  const failures: string[] = [];
  if (a.acked === 0) failures.push('no batch was acknowledged');
  if (a.lost.length) failures.push(`${a.lost.length} acknowledged ids not recorded (e.g. ${a.lost.slice(0, 3).join(', ')})`);
  if (a.lostFromLedger.length) failures.push(`${a.lostFromLedger.length} acknowledged ids not in the ledger`);
  if (a.duplicated.length)
    failures.push(`${a.duplicated.length} ids recorded more than once (e.g. ${a.duplicated.slice(0, 3).join(', ')})`);
  if (a.unexplained.length) failures.push(`${a.unexplained.length} recorded ids neither in the ledger nor sent`);
  if (a.rejected) failures.push(`${a.rejected} events rejected by the gateway`);
  if (!a.totalsEqual) failures.push('totals differ from the ledger');
  for (const t of a.alerts) {
    if (t.fired !== 1 || t.listed !== 1 || t.deliveryIds !== 1)
      failures.push(
        `threshold ${t.threshold} %: ${t.fired} alerts fired, ${t.listed} listed, ${t.deliveryIds} delivery ids (expected 1 each)`,
      );
  }
  return failures;
}

const money = (v: string | null) => (v === null ? '–' : new Decimal(v).toFixed(6));

/** The run's result as a markdown table, for a terminal and for docs/reliability.md alike. */
export function formatAccounting(a: Accounting): string {
  const t = a.totals;
  const row = (name: string, x: Totals) =>
    `| ${name} | ${x.requests} | ${x.inputTokens} | ${x.outputTokens} | ${money(x.cost)} | ${sameTotals(x, t.ledger) ? 'yes' : '**no**'} |`;
  return [
    '| ids | count |',
    '|---|---|',
    `| sent by the clients | ${a.sent} |`,
    `| acknowledged (202) | ${a.acked} |`,
    `| recorded (usage_records) | ${a.recorded} |`,
    `| in the ledger (distinct; copies) | ${a.ledgerIds}; ${a.ledgerCopies} |`,
    `| recorded without a 202 (allowed) | ${a.recordedNotAcked} |`,
    `| **lost** (acknowledged, not recorded) | ${a.lost.length} |`,
    `| **lost from the ledger** | ${a.lostFromLedger.length} |`,
    `| **duplicated** (recorded twice) | ${a.duplicated.length} |`,
    `| recorded, not explained by the ledger | ${a.unexplained.length} |`,
    `| rejected by the gateway | ${a.rejected} |`,
    '',
    '| totals | requests | input tokens | output tokens | cost USD | equals the ledger |',
    '|---|---|---|---|---|---|',
    row('ledger, each id once', t.ledger),
    row("clients' own tokens of those ids", t.clients),
    row('usage_records', t.records),
    row('hourly rollups', t.rollupsHourly),
    row('daily rollups', t.rollupsDaily),
    row('cost summary API', t.costSummary),
    `| budget spend (alerts service) | | | | ${money(t.budgetSpend)} | ${new Decimal(t.budgetSpend).eq(t.ledger.cost ?? 0) ? 'yes' : '**no**'} |`,
    '',
    `**totals equal: ${a.totalsEqual ? 'yes' : 'NO'}**`,
    '',
    '| budget threshold | alerts fired | listed by the API | webhook requests | distinct delivery ids |',
    '|---|---|---|---|---|',
    ...a.alerts.map((x) => `| ${x.threshold} % | ${x.fired} | ${x.listed} | ${x.deliveries} | ${x.deliveryIds} |`),
  ].join('\n');
}
