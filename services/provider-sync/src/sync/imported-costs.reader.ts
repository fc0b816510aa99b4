import { Injectable } from '@nestjs/common';
import type { ReconciliationGroupBy } from '@llmlab/contracts';
import type { OrganizationScope } from '@llmlab/domain';
import { PrismaClient } from '../read-models/prisma';
import { BilledSpendReader } from '../reconciliation/billed-spend.reader';
import type { CoveredRange, Coverage, SpendFigure, TokenFigure } from '../reconciliation/reconcile';

const ACTIVE = `connection_id IN (SELECT connection_id FROM provider_sync.connections WHERE organization_id = $1::uuid AND NOT removed)`;

/** The reconciliation's billed side, read from the imported cost and usage buckets of the organization's connections. */
@Injectable()
export class ImportedCostsReader extends BilledSpendReader {
  constructor(private readonly prisma: PrismaClient) {
    super();
  }

  async providers(scope: OrganizationScope): Promise<string[]> {
    const rows = await this.prisma.connection.findMany({
      where: { organizationId: scope.organizationId, removed: false },
      select: { provider: true },
      distinct: ['provider'],
    });
    return rows.map((r) => r.provider).sort();
  }

  async costs(
    scope: OrganizationScope,
    days: { from: Date; to: Date },
    groupBy: ReconciliationGroupBy,
    provider: string | undefined,
  ): Promise<SpendFigure[]> {
    const key = groupBy === 'model' ? 'model' : groupBy === 'project' ? `COALESCE(project_id::text, '')` : `''`;
    return this.prisma.$queryRawUnsafe<SpendFigure[]>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, provider, ${key} AS key, SUM(amount)::text AS amount
         FROM provider_sync.cost_buckets
        WHERE organization_id = $1::uuid AND ${ACTIVE} AND day >= $2::date AND day < $3::date AND ($4::text IS NULL OR provider = $4)
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      scope.organizationId,
      days.from.toISOString().slice(0, 10),
      days.to.toISOString().slice(0, 10),
      provider ?? null,
    );
  }

  async usage(scope: OrganizationScope, days: { from: Date; to: Date }, provider: string | undefined): Promise<TokenFigure[]> {
    const rows = await this.prisma.$queryRawUnsafe<
      { day: string; provider: string; model: string; input: string; output: string; cached: string; requests: string }[]
    >(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, provider, model, SUM(input_tokens)::text AS input, SUM(output_tokens)::text AS output,
              SUM(cached_tokens)::text AS cached, SUM(requests)::text AS requests
         FROM provider_sync.usage_buckets
        WHERE organization_id = $1::uuid AND ${ACTIVE} AND day >= $2::date AND day < $3::date AND ($4::text IS NULL OR provider = $4)
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      scope.organizationId,
      days.from.toISOString().slice(0, 10),
      days.to.toISOString().slice(0, 10),
      provider ?? null,
    );
    return rows.map((r) => ({
      day: r.day,
      provider: r.provider,
      model: r.model,
      counts: { input: Number(r.input), output: Number(r.output), cachedInput: Number(r.cached), requests: Number(r.requests) },
    }));
  }

  async coverage(scope: OrganizationScope): Promise<Coverage> {
    // Connections that never completed an import are left out (a new connection does not turn its provider's
    // history back to pending); every other connection of a provider must have covered a day for it to be complete.
    const connections = await this.prisma.connection.findMany({
      where: { organizationId: scope.organizationId, removed: false, syncedUntil: { not: null } },
      select: { connectionId: true },
    });
    const runs = await this.prisma.syncRun.findMany({
      where: {
        organizationId: scope.organizationId,
        status: 'completed',
        connectionId: { in: connections.map((c) => c.connectionId) },
      },
      select: { connectionId: true, provider: true, rangeFrom: true, rangeTo: true },
      orderBy: { rangeFrom: 'asc' },
    });
    const byConnection = new Map<string, { provider: string; ranges: CoveredRange[] }>();
    for (const run of runs) {
      let entry = byConnection.get(run.connectionId);
      if (!entry) byConnection.set(run.connectionId, (entry = { provider: run.provider, ranges: [] }));
      // Runs overlap (each re-pulls the last days): merge them so a day is found in one range.
      const last = entry.ranges.at(-1);
      if (last && run.rangeFrom <= last.to) {
        if (run.rangeTo > last.to) last.to = run.rangeTo;
      } else entry.ranges.push({ from: run.rangeFrom, to: run.rangeTo });
    }
    const coverage = new Map<string, CoveredRange[][]>();
    for (const { provider, ranges } of byConnection.values()) coverage.set(provider, [...(coverage.get(provider) ?? []), ranges]);
    return coverage;
  }
}
