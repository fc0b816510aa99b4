import type { ReconciliationGroupBy } from '@llmlab/contracts';
import type { OrganizationScope } from '@llmlab/domain';
import type { Coverage, SpendFigure, TokenFigure } from './reconcile';

/**
 * The billed side of a reconciliation, read from this service's imported costs and usage: every method takes the
 * organization first and reads nothing outside it.
 */
export abstract class BilledSpendReader {
  /** Providers the organization has a connection for. */
  abstract providers(scope: OrganizationScope): Promise<string[]>;
  /** Billed USD per UTC day and provider, with the model or the mapped project (`''`: none) as `key`. */
  abstract costs(
    scope: OrganizationScope,
    days: { from: Date; to: Date },
    groupBy: ReconciliationGroupBy,
    provider: string | undefined,
  ): Promise<SpendFigure[]>;
  /** Tokens and requests the providers' usage reports give per UTC day and model. */
  abstract usage(scope: OrganizationScope, days: { from: Date; to: Date }, provider: string | undefined): Promise<TokenFigure[]>;
  /** Per provider and connection, the ranges its completed imports covered. */
  abstract coverage(scope: OrganizationScope): Promise<Coverage>;
}
