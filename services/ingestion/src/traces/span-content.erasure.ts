import { Inject, Injectable } from '@nestjs/common';
import {
  ingestionStreams,
  IngestionErrorCode,
  type ContentErasedResult,
  type EraseEndUserContentRequest,
  type EraseTraceContentRequest,
  type RequestContext,
  type TraceContentErasedData,
} from '@llmlab/contracts';
import { projectScope } from '@llmlab/domain';
import type { EventStore } from '@llmlab/event-store';
import { EVENT_STORE, metadataFromContext, PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { IngestionError, validationFailed } from '../ingestion.errors';
import { EndUserPseudonyms } from '../end-users/end-user-pseudonyms';
import { SpanContentStore } from './span-content.store';

const TRACE_ID = /^[0-9a-f]{32}$/;
const MAX_USER_ID = 256;

/**
 * Erasure of captured text: rows deleted, then `TraceContentErased` (ids only) on the project's
 * `ingestion.trace-content-<projectId>` stream as the record of it. Nothing brings the text back: the ledger
 * never had it, and the INGEST buffer only holds a span's text until the span is recorded (docs/traces.md).
 */
@Injectable()
export class SpanContentErasure {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly contents: SpanContentStore,
    private readonly pseudonyms: EndUserPseudonyms,
  ) {}

  async eraseTrace(request: EraseTraceContentRequest, context: RequestContext): Promise<ContentErasedResult> {
    const scope = projectScope(context);
    const traceId = request.traceId;
    const notFound = new IngestionError(IngestionErrorCode.TraceNotFound, 'no span or model call of this project has that trace id');
    if (typeof traceId !== 'string' || !TRACE_ID.test(traceId)) throw notFound;
    const { rowCount } = await this.pool.query(`SELECT 1 FROM ingestion.traces WHERE project_id = $1 AND trace_id = $2`, [
      scope.projectId,
      traceId,
    ]);
    if (!rowCount) throw notFound;
    const spans = await this.contents.eraseTrace(scope.projectId, traceId);
    await this.record({ organizationId: scope.organizationId, projectId: scope.projectId, traceId, spans }, context);
    return { spans };
  }

  async eraseEndUser(request: EraseEndUserContentRequest, context: RequestContext): Promise<ContentErasedResult> {
    const scope = projectScope(context);
    const userId = request.userId;
    if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID) {
      throw validationFailed([{ field: '/userId', message: `must be a string of 1 to ${MAX_USER_ID} characters` }]);
    }
    const spans = await this.contents.eraseEndUser(scope.projectId, userId);
    const endUserHash = (await this.pseudonyms.of(scope.organizationId))(userId);
    await this.record({ organizationId: scope.organizationId, projectId: scope.projectId, endUserHash, spans }, context);
    return { spans };
  }

  private async record(erased: Omit<TraceContentErasedData, 'erasedAt' | 'erasedBy'>, context: RequestContext): Promise<void> {
    const data: TraceContentErasedData = {
      ...erased,
      erasedAt: new Date().toISOString(),
      erasedBy: context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:system',
    };
    await this.store.appendToStream(
      ingestionStreams.traceContent(erased.projectId),
      [{ type: 'TraceContentErased', data, metadata: metadataFromContext() }],
      { expectedRevision: 'any' },
    );
  }
}
