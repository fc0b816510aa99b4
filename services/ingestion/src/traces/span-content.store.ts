import { Inject, Injectable } from '@nestjs/common';
import type { SpanContentInput } from '@llmlab/contracts';
import { openText, sealText, type SubjectKeyStore } from '@llmlab/crypto';
import { PG_POOL } from '@llmlab/service-kit';
import type { Pool } from 'pg';
import { TraceSettingsCache } from '../trace-settings/trace-settings.cache';
import { SpanContentSink, type SpanContent, type SpanContentOwner } from './span-content.sink';

/** The key table's store, provided by the module (it needs the master key ring). */
export const CONTENT_KEYS = Symbol('CONTENT_KEYS');

const PURGE_BATCH = 5_000;

/** A project's content key is subject `project:<projectId>` in `ingestion.content_keys`. */
export function contentKeySubject(projectId: string): string {
  return `project:${projectId}`;
}

/** Each text is bound to its span and side: a sealed input cannot be passed off as another span's, or as output. */
function binding(projectId: string, traceId: string, spanId: string, side: 'input' | 'output'): string {
  return `${projectId}:${traceId}:${spanId}:${side}`;
}

/**
 * Captured prompt and completion text (docs/traces.md, "Content capture"): stored only while the organization's
 * capture is on, sealed with AES-256-GCM under the project's key, kept `contentRetentionDays`, erasable by trace
 * and by end user. The text is never logged and never in an event.
 */
@Injectable()
export class SpanContentStore extends SpanContentSink {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONTENT_KEYS) private readonly keys: SubjectKeyStore,
    private readonly settings: TraceSettingsCache,
  ) {
    super();
  }

  /** Idempotent by (project, trace, span): a redelivered batch leaves the first copy (and its expiry) as it was. */
  async keep(owner: SpanContentOwner, spans: readonly SpanContent[]): Promise<void> {
    const settings = await this.settings.get(owner.organizationId);
    if (!settings.captureContent || spans.length === 0) return;
    const key = await this.keys.ensure(contentKeySubject(owner.projectId));
    const seal = (s: SpanContent, side: 'input' | 'output') => {
      const text = s.content[side];
      return text === undefined ? null : sealText(key, text, binding(owner.projectId, s.traceId, s.spanId, side));
    };
    await this.pool.query(
      `INSERT INTO ingestion.span_contents
         (organization_id, project_id, trace_id, span_id, user_id, input_sealed, output_sealed, truncated, expires_at)
       SELECT $1, $2, t.trace_id, t.span_id, t.user_id, t.input_sealed, t.output_sealed, t.truncated,
              now() + make_interval(days => $3::int)
         FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[])
           AS t(trace_id, span_id, user_id, input_sealed, output_sealed, truncated)
       ON CONFLICT (project_id, trace_id, span_id) DO NOTHING`,
      [
        owner.organizationId,
        owner.projectId,
        settings.contentRetentionDays,
        spans.map((s) => s.traceId),
        spans.map((s) => s.spanId),
        spans.map((s) => s.userId ?? null),
        spans.map((s) => seal(s, 'input')),
        spans.map((s) => seal(s, 'output')),
        spans.map((s) => s.content.truncated),
      ],
    );
  }

  /** The trace's captured texts in clear, by span id; rows past their expiry read as absent before the purge. */
  async readTrace(projectId: string, traceId: string): Promise<Map<string, SpanContentInput>> {
    const { rows } = await this.pool.query<{
      span_id: string;
      input_sealed: string | null;
      output_sealed: string | null;
      truncated: boolean;
    }>(
      `SELECT span_id, input_sealed, output_sealed, truncated FROM ingestion.span_contents
        WHERE project_id = $1 AND trace_id = $2 AND expires_at > now()`,
      [projectId, traceId],
    );
    const found = new Map<string, SpanContentInput>();
    if (rows.length === 0) return found;
    const key = await this.keys.get(contentKeySubject(projectId));
    if (!key) return found;
    for (const r of rows) {
      found.set(r.span_id, {
        ...(r.input_sealed === null ? {} : { input: openText(key, r.input_sealed, binding(projectId, traceId, r.span_id, 'input')) }),
        ...(r.output_sealed === null ? {} : { output: openText(key, r.output_sealed, binding(projectId, traceId, r.span_id, 'output')) }),
        truncated: r.truncated,
      });
    }
    return found;
  }

  /** Deletes one trace's texts in the project; the number of spans that had some. */
  async eraseTrace(projectId: string, traceId: string): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM ingestion.span_contents WHERE project_id = $1 AND trace_id = $2`, [
      projectId,
      traceId,
    ]);
    return rowCount ?? 0;
  }

  /** Deletes one end user's texts across the project. */
  async eraseEndUser(projectId: string, userId: string): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM ingestion.span_contents WHERE project_id = $1 AND user_id = $2`, [
      projectId,
      userId,
    ]);
    return rowCount ?? 0;
  }

  /** Deletes texts past their retention, in batches; the maintenance job calls it. */
  async purgeExpired(now: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM ingestion.span_contents WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM ingestion.span_contents WHERE expires_at <= $1 LIMIT ${PURGE_BATCH}))`,
        [now],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < PURGE_BATCH) return total;
    }
  }
}
