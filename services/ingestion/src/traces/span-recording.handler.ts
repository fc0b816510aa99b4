import { Inject, Injectable } from '@nestjs/common';
import { ingestionStreams, type EventMetadata, type NewEvent, type SpanBatchAccepted, type SpansRecordedData } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { EVENT_STORE } from '@llmlab/service-kit';
import { derivedEventId } from '../derived-event-id';
import { EndUserPseudonyms } from '../end-users/end-user-pseudonyms';
import { parseSpanBatch, spansRecordedParts } from './span-batch';
import { SpanContentSink, type SpanContent } from './span-content.sink';

/**
 * Records one accepted span batch: its `SpansRecorded` events (no content) to the project's traces ledger, then
 * its content to the `SpanContentSink`. The consumer acknowledges the message after both.
 *
 * Like usage, not a command-runner write: the ledger decides nothing on its own state (the projection keeps the
 * first copy of each span), so parts are appended at any revision, idempotently by ids derived from the batch id
 * and the part: a redelivered batch appends nothing and hands the sink the same content again.
 */
@Injectable()
export class SpanRecordingHandler {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly content: SpanContentSink,
    private readonly endUsers: EndUserPseudonyms,
  ) {}

  /** Throws INVALID_SPAN_BATCH for a message that breaks the contract; anything else that throws is retried. */
  async record(message: unknown): Promise<void> {
    const batch = parseSpanBatch(message);
    const pseudonym = await this.endUsers.of(batch.organizationId);
    const ids = new Map<string, string>();
    for (const s of batch.spans) if (s.userId !== undefined) ids.set(pseudonym(s.userId), s.userId);
    await this.endUsers.remember(batch.organizationId, batch.projectId, ids);
    const events = spansRecordedEvents(batch, pseudonym);
    await this.store.appendToStream(ingestionStreams.traces(batch.projectId), events, { expectedRevision: 'any' });
    const contents: SpanContent[] = batch.spans.flatMap((s) =>
      s.content !== undefined ? [{ traceId: s.traceId, spanId: s.spanId, userId: s.userId, content: s.content }] : [],
    );
    if (contents.length > 0) await this.content.keep({ organizationId: batch.organizationId, projectId: batch.projectId }, contents);
  }
}

export function spansRecordedEvents(
  batch: SpanBatchAccepted,
  pseudonym: (userId: string) => string,
): NewEvent<'SpansRecorded', SpansRecordedData>[] {
  const metadata: EventMetadata = {
    actor: { type: 'api_key', id: batch.apiKeyId },
    organizationId: batch.organizationId,
    projectId: batch.projectId,
    correlationId: batch.correlationId ?? batch.batchId,
    causationId: batch.batchId,
  };
  return spansRecordedParts(batch, pseudonym).map((data) => ({
    id: derivedEventId(batch.batchId, 'SpansRecorded', data.part),
    type: 'SpansRecorded',
    data,
    metadata,
  }));
}
