import { Injectable } from '@nestjs/common';
import { PROVIDER_COST_GROUPS, type ProviderCostGroupBy, type ProviderCostsReport, type ProviderCostsRequest } from '@llmlab/contracts';
import { FieldErrors, sumMoney, toMoneyString, type OrganizationScope } from '@llmlab/domain';
import { PrismaClient } from '../read-models/prisma';
import { invalidSync } from '../connections/provider-sync.errors';

const COLUMN: Record<ProviderCostGroupBy, string> = {
  provider: 'provider',
  model: "NULLIF(model, '')",
  day: "to_char(day, 'YYYY-MM-DD')",
  project: 'project_id::text',
  lineItem: "NULLIF(line_item, '')",
};

/** The imported provider costs of an organization over `[from, to)` (whole UTC days), grouped, as decimal strings. */
@Injectable()
export class ProviderCostsQueries {
  constructor(private readonly prisma: PrismaClient) {}

  async report(scope: OrganizationScope, request: ProviderCostsRequest): Promise<ProviderCostsReport> {
    const errors = new FieldErrors();
    const from = Date.parse(request.from);
    const to = Date.parse(request.to);
    if (typeof request.from !== 'string' || Number.isNaN(from)) errors.add('/from', 'must be an ISO 8601 instant');
    if (typeof request.to !== 'string' || Number.isNaN(to)) errors.add('/to', 'must be an ISO 8601 instant');
    if (!(PROVIDER_COST_GROUPS as readonly unknown[]).includes(request.groupBy))
      errors.add('/groupBy', `must be one of ${PROVIDER_COST_GROUPS.join(', ')}`);
    if (errors.empty && from >= to) errors.add('/to', 'must be after from');
    if (!errors.empty) throw invalidSync(errors.errors);
    const rows = await this.prisma.$queryRawUnsafe<{ key: string | null; amount: string }[]>(
      `SELECT ${COLUMN[request.groupBy]} AS key, SUM(amount)::text AS amount
         FROM provider_sync.cost_buckets
        WHERE organization_id = $1::uuid AND day >= $2::timestamptz::date AND day < $3::timestamptz::date
          AND connection_id IN (SELECT connection_id FROM provider_sync.connections WHERE organization_id = $1::uuid AND NOT removed)
        GROUP BY 1 ORDER BY 1 NULLS LAST`,
      scope.organizationId,
      new Date(from).toISOString(),
      new Date(to + 86_400_000 - 1).toISOString(),
    );
    return {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      groupBy: request.groupBy,
      rows: rows.map((r) => ({ key: r.key, amount: toMoneyString(r.amount), currency: 'USD' as const })),
      total: sumMoney(rows.map((r) => r.amount)),
    };
  }
}
