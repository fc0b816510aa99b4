import { Inject, Injectable } from '@nestjs/common';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { INGEST_SPANS_SUBJECT, TRACE_LIMITS, type FieldError, type RequestContext } from '@llmlab/contracts';
import { publishParts, splitBatch, streamTopology, type PartOutcome } from '@llmlab/messaging';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { GATEWAY_LOGGER, GATEWAY_NATS } from '../gateway.tokens';
import { GatewayProblem } from '../http/problem';
import { ingestUnavailable, UsageIngestService } from '../usage/usage-ingest.service';
import { decodeTraceRequest } from './otlp-proto';
import { OtlpShapeError, readOtlpSpans } from './otlp-spans';

/** OTLP's partial success: how many spans were refused, and why (the first reasons). */
export interface OtlpPartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/** Reasons quoted in `errorMessage`; the count covers them all. */
const QUOTED_REJECTIONS = 20;

/**
 * `POST /v1/otlp/v1/traces`: reads the export, publishes the usage of its GenAI spans like `POST /v1/usage` (same
 * validation, same dedup hints, same durable publish) and its spans as `SpanBatchAccepted` to `INGEST`, and
 * answers only once JetStream acknowledged both: a 200 means durable. Spans are idempotent downstream (one row per
 * project, trace and span), so a client retrying after a 503 adds nothing twice.
 */
@Injectable()
export class OtlpIngestService {
  private readonly js: JetStreamClient;
  private readonly subject: string;

  constructor(
    @Inject(GATEWAY_NATS) nats: NatsConnection,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
    private readonly usage: UsageIngestService,
  ) {
    this.js = jetstream(nats, { timeout: config.INGEST_PUBLISH_TIMEOUT_MS });
    this.subject = streamTopology(config.NATS_PREFIX || undefined).subject(INGEST_SPANS_SUBJECT);
  }

  async export(body: unknown, protobuf: boolean, caller: RequestContext): Promise<OtlpPartialSuccess | undefined> {
    const { organizationId, projectId, actor } = caller;
    if (!organizationId || !projectId || actor?.type !== 'api_key')
      throw new Error('OTLP intake reached without an API key resolved to its project');
    const receivedAt = new Date();
    const read = this.read(body, protobuf, receivedAt);
    if (read.total > TRACE_LIMITS.maxSpansPerRequest) {
      const message = `must hold at most ${TRACE_LIMITS.maxSpansPerRequest} spans (it has ${read.total}); export smaller batches`;
      throw new GatewayProblem(413, 'PAYLOAD_TOO_LARGE', `/resourceSpans: ${message}`, [{ field: '/resourceSpans', message }]);
    }
    if (read.spans.length > 0) {
      const parts = splitBatch(
        { organizationId, projectId, apiKeyId: actor.id, receivedAt: receivedAt.toISOString(), correlationId: caller.correlationId },
        read.spans,
        this.usage.maxPayload(),
        uuidv7,
        'spans',
      );
      const [outcomes] = await Promise.all([
        publishParts(this.js, this.subject, parts, this.config.INGEST_PUBLISH_TIMEOUT_MS),
        read.usageEvents.length > 0 ? this.usage.publish(read.usageEvents, caller, receivedAt) : undefined,
      ]);
      const failed = outcomes.filter((o): o is Extract<PartOutcome, { ok: false }> => !o.ok);
      if (failed.length > 0) throw ingestUnavailable(failed, parts.length, this.logger);
    }
    return read.rejected.length > 0 ? partialSuccess(read.rejected) : undefined;
  }

  private read(body: unknown, protobuf: boolean, receivedAt: Date) {
    let decoded: unknown = body;
    if (protobuf) {
      if (!Buffer.isBuffer(body)) throw badBody('the body is not an OTLP ExportTraceServiceRequest');
      try {
        decoded = decodeTraceRequest(body);
      } catch (error) {
        throw badBody(`the body is not an OTLP ExportTraceServiceRequest (${(error as Error).message})`);
      }
    } else if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
      throw badBody('the body is not an OTLP/JSON ExportTraceServiceRequest object');
    }
    try {
      return readOtlpSpans(decoded, receivedAt);
    } catch (error) {
      if (error instanceof OtlpShapeError) throw badBody(error.message);
      throw error;
    }
  }
}

function badBody(message: string): GatewayProblem {
  return new GatewayProblem(400, 'VALIDATION_FAILED', message, [{ field: '/', message }]);
}

function partialSuccess(rejected: FieldError[]): OtlpPartialSuccess {
  const quoted = rejected.slice(0, QUOTED_REJECTIONS).map((e) => `${e.field}: ${e.message}`);
  const more = rejected.length - quoted.length;
  return { rejectedSpans: rejected.length, errorMessage: quoted.join('; ') + (more > 0 ? `; and ${more} more` : '') };
}
