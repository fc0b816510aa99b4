import { csvText as text, type AuditExportEvent, type AuditExportLine, type AuditExportPage } from '@llmlab/contracts';
import type { AuditExportFormat } from './audit.dto';

export const AUDIT_EXPORT_CONTENT_TYPES: Record<AuditExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

export const AUDIT_CSV_COLUMNS = ['position', 'recordedAt', 'eventId', 'type', 'streamId', 'actorType', 'actorId', 'correlationId', 'hash'];

/**
 * The export, one chunk per page of events, asked for only when the previous one was taken (constant memory).
 * JSON Lines: first the signed head every proof is against, then one line per event (docs/audit.md).
 */
export async function* auditExportChunks(
  format: AuditExportFormat,
  first: AuditExportPage,
  nextPage: (after: number) => Promise<AuditExportPage>,
): AsyncGenerator<string> {
  yield format === 'csv'
    ? AUDIT_CSV_COLUMNS.join(',') + '\r\n'
    : JSON.stringify({ kind: 'head', head: first.head } satisfies AuditExportLine) + '\n';
  for (let page: AuditExportPage | undefined = first; page; page = page.nextAfter !== null ? await nextPage(page.nextAfter) : undefined) {
    if (page.events.length === 0) continue;
    yield page.events
      .map(({ event, proof }) =>
        format === 'csv' ? csvLine(event) : JSON.stringify({ kind: 'event', event, proof } satisfies AuditExportLine) + '\n',
      )
      .join('');
  }
}

function csvLine(e: AuditExportEvent): string {
  const metadata = (e.metadata ?? {}) as { actor?: { type?: string; id?: string }; correlationId?: string };
  return (
    [
      String(e.position),
      e.recordedAt,
      e.eventId,
      text(e.type),
      text(e.streamId),
      text(metadata.actor?.type ?? null),
      text(metadata.actor?.id ?? null),
      text(metadata.correlationId ?? null),
      e.hash,
    ].join(',') + '\r\n'
  );
}
