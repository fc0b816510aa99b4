import { ingestionSubjects, type RecordedSpendGroupBy, type RecordedSpendRow, type RequestContext } from '@llmlab/contracts';
import { CodedError, type OrganizationScope } from '@llmlab/domain';
import { natsSubject, type MessagingClient } from '@llmlab/messaging';

/**
 * Recorded spend, asked of the ingestion service on its subject (`ingestion.query.recorded-spend`): provider-sync
 * never reads ingestion's schema. Follows the pages to the end.
 */
export class RecordedSpendClient {
  constructor(
    private readonly client: MessagingClient,
    private readonly prefix: string,
  ) {}

  async rows(
    scope: OrganizationScope,
    days: { from: Date; to: Date },
    groupBy: RecordedSpendGroupBy,
    provider: string | undefined,
    correlationId: string,
  ): Promise<RecordedSpendRow[]> {
    const subject = { subject: natsSubject(ingestionSubjects.recordedSpend, this.prefix) } as typeof ingestionSubjects.recordedSpend;
    const context: RequestContext = { correlationId, organizationId: scope.organizationId, actor: { type: 'system', id: 'provider-sync' } };
    const rows: RecordedSpendRow[] = [];
    let cursor: string | undefined;
    do {
      const reply = await this.client.request(
        subject,
        { from: days.from.toISOString(), to: days.to.toISOString(), groupBy, ...(provider ? { provider } : {}), limit: 5000, cursor },
        context,
      );
      // The ingestion service's own error (unavailable, timed out, refused): passed on with its code.
      if (!reply.ok) throw new CodedError(reply.error.code, `recorded spend: ${reply.error.message}`, reply.error.errors);
      rows.push(...reply.data.data);
      cursor = reply.data.nextCursor ?? undefined;
    } while (cursor);
    return rows;
  }
}
