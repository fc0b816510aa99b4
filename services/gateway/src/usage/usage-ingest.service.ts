import { Inject, Injectable } from '@nestjs/common';
import { jetstream, JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import {
  INGEST_USAGE_SUBJECT,
  USAGE_LIMITS,
  validateUsageBatch,
  type RequestContext,
  type UsageBatchValidation,
  type UsageEventInput,
} from '@llmlab/contracts';
import { publishParts, splitBatch, streamTopology, type PartOutcome } from '@llmlab/messaging';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { GATEWAY_LOGGER, GATEWAY_NATS, GATEWAY_REDIS } from '../gateway.tokens';
import { GatewayProblem } from '../http/problem';
import { UsageDedupHints, type SeenState } from './usage-dedup';

export interface IngestUsageResult {
  accepted: number;
  duplicates: number;
  rejected: UsageBatchValidation['rejected'];
}

/** Seconds a client is told to wait after the ingest buffer could not take a batch. */
export const INGEST_RETRY_AFTER_SECONDS = 2;

/** NATS' own default, for a server that did not say. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * `POST /v1/usage`: validates the batch event by event, sets aside the ids already accepted, publishes the rest to
 * the JetStream stream INGEST and answers only once JetStream acknowledged every message: a 202 means durable. What
 * happens next (pricing, the ledger, deduplication that counts each id once) is the ingestion service's.
 */
@Injectable()
export class UsageIngestService {
  private readonly js: JetStreamClient;
  private readonly subject: string;
  private readonly hints: UsageDedupHints;

  constructor(
    @Inject(GATEWAY_NATS) private readonly nats: NatsConnection,
    @Inject(GATEWAY_REDIS) redis: Redis,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_LOGGER) private readonly logger: Logger,
  ) {
    this.js = jetstream(nats, { timeout: config.INGEST_PUBLISH_TIMEOUT_MS });
    this.subject = streamTopology(config.NATS_PREFIX || undefined).subject(INGEST_USAGE_SUBJECT);
    this.hints = new UsageDedupHints(redis, config.NATS_PREFIX, config.INGEST_DEDUP_HINT_DAYS * 86_400, logger);
  }

  async ingest(body: unknown, caller: RequestContext): Promise<IngestUsageResult> {
    const receivedAt = new Date();
    refuseOversizedBatch(body);
    const { accepted, rejected } = validateUsageBatch(body, receivedAt);
    if (rejected[0]?.index === -1) {
      const errors = rejected[0].errors;
      throw new GatewayProblem(400, 'VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
    }
    if (accepted.length === 0) throw everyEventRejected(rejected);
    const published = await this.publish(
      accepted.map((a) => a.event),
      caller,
      receivedAt,
    );
    return { ...published, rejected };
  }

  /**
   * Publishes valid events of the caller's project to `INGEST`: a batch repeating an id keeps its first copy, and
   * the ids already accepted are set aside as duplicates. Resolves once JetStream acknowledged every part; a part
   * not acknowledged makes it throw 503 (INGEST_BACKPRESSURE or INGEST_UNAVAILABLE), its ids released for a retry.
   * The OTLP intake publishes the usage of GenAI spans through here too.
   */
  async publish(valid: readonly UsageEventInput[], caller: RequestContext, receivedAt: Date): Promise<Omit<IngestUsageResult, 'rejected'>> {
    const { organizationId, projectId, actor } = caller;
    if (!organizationId || !projectId || actor?.type !== 'api_key')
      throw new Error('ingest reached without an API key resolved to its project');
    const events: UsageEventInput[] = [];
    const inBatch = new Set<string>();
    for (const event of valid) if (!inBatch.has(event.id) && inBatch.add(event.id)) events.push(event);
    let duplicates = valid.length - events.length;

    const token = uuidv7();
    const seen = await this.claim(
      projectId,
      events.map((e) => e.id),
      token,
    );
    const fresh = seen ? events.filter((e) => seen.get(e.id) !== 'acked') : events;
    duplicates += events.length - fresh.length;
    if (fresh.length === 0) return { accepted: 0, duplicates };

    const parts = splitBatch(
      { organizationId, projectId, apiKeyId: actor.id, receivedAt: receivedAt.toISOString(), correlationId: caller.correlationId },
      fresh,
      this.maxPayload(),
      uuidv7,
    );
    const outcomes = await publishParts(this.js, this.subject, parts, this.config.INGEST_PUBLISH_TIMEOUT_MS);
    const idsOf = (list: PartOutcome[]) => list.flatMap((o) => o.part.indexes.map((i) => fresh[i].id));
    const failed = outcomes.filter((o): o is Extract<PartOutcome, { ok: false }> => !o.ok);
    if (seen) {
      // Not awaited: the 202 does not wait for the hint (the events are durable already). Sent on the same Redis
      // connection before the answer, so a resend's claim is executed after it and finds the ids acknowledged.
      void this.hints.acknowledge(projectId, idsOf(outcomes.filter((o) => o.ok)));
      await this.hints.release(projectId, idsOf(failed), token);
    }
    if (failed.length > 0) throw ingestUnavailable(failed, parts.length, this.logger);
    return { accepted: fresh.length, duplicates };
  }

  /** The NATS server's `max_payload`: what one message may hold. */
  maxPayload(): number {
    return this.nats.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  /**
   * Claims every id, then waits (briefly) for the ids a concurrent request is publishing: one that becomes `acked` is
   * a duplicate, one released is claimed here. One still in flight at the deadline is published anyway: the
   * projection counts it once, and the answer never calls it a duplicate without a durable copy. Null: no hints.
   */
  private async claim(projectId: string, ids: string[], token: string): Promise<Map<string, SeenState> | null> {
    const seen = await this.hints.claim(projectId, ids, token);
    if (!seen) return null;
    let waiting = ids.filter((id) => seen.get(id) === 'inflight');
    const deadline = Date.now() + this.config.INGEST_INFLIGHT_WAIT_MS;
    for (let pause = 5; waiting.length > 0 && Date.now() < deadline; pause = Math.min(pause * 2, 100)) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(deadline - Date.now(), 0))));
      const again = await this.hints.claim(projectId, waiting, token);
      if (!again) break;
      for (const [id, state] of again) seen.set(id, state);
      waiting = waiting.filter((id) => again.get(id) === 'inflight');
    }
    return seen;
  }
}

/**
 * JetStream refusing a message (its storage is full or failing) is back-pressure: 503 INGEST_BACKPRESSURE (not a
 * 429: the client did nothing wrong, and a 429 reads as its own rate limit). No answer (a timeout, NATS
 * unreachable, no stream) is 503 INGEST_UNAVAILABLE. Either way the ids are released, not marked accepted, so
 * nothing the client sent is lost or called a duplicate when it retries with the same ids.
 */
export function ingestUnavailable(failed: Extract<PartOutcome, { ok: false }>[], parts: number, logger: Logger): GatewayProblem {
  const refused = failed.some((o) => o.error instanceof JetStreamApiError);
  logger.warn(
    { parts, failed: failed.length, err: failed.map((o) => (o.error instanceof Error ? o.error.message : String(o.error))) },
    'batch not acknowledged by JetStream',
  );
  const headers = { 'Retry-After': String(INGEST_RETRY_AFTER_SECONDS) };
  return refused
    ? new GatewayProblem(503, 'INGEST_BACKPRESSURE', 'the ingest buffer is full; retry the same events later', undefined, headers)
    : new GatewayProblem(
        503,
        'INGEST_UNAVAILABLE',
        'the ingest buffer did not acknowledge the batch; retry the same events later',
        undefined,
        headers,
      );
}

/**
 * A batch none of whose events is valid is a 400, not `202 { accepted: 0 }`: a client that only checks the status
 * notices. The body is a problem carrying the same per-event outcome a 202 would (`accepted`, `duplicates`,
 * `rejected`), and `errors` lists every field of every event.
 */
function everyEventRejected(rejected: UsageBatchValidation['rejected']): GatewayProblem {
  const errors = rejected.flatMap((r) => r.errors);
  const first = errors[0];
  const detail =
    `every event was rejected (${rejected.length}); nothing was accepted` + (first ? `: ${first.field}: ${first.message}` : '');
  return new GatewayProblem(400, 'VALIDATION_FAILED', detail, errors, undefined, { accepted: 0, duplicates: 0, rejected });
}

/** More events than a batch may hold is refused whole, like a body over the byte limit (which Fastify refuses). */
function refuseOversizedBatch(body: unknown): void {
  const events = typeof body === 'object' && body !== null ? (body as { events?: unknown }).events : undefined;
  if (Array.isArray(events) && events.length > USAGE_LIMITS.maxEventsPerBatch) {
    const message = `must contain at most ${USAGE_LIMITS.maxEventsPerBatch} events (it has ${events.length}); split the batch`;
    throw new GatewayProblem(413, 'PAYLOAD_TOO_LARGE', `/events: ${message}`, [{ field: '/events', message }]);
  }
}

/**
 * Fastify `onRoute` hook: the ingest route takes at most 1 MiB whatever `BODY_LIMIT_BYTES` says for the others,
 * refused with 413 while reading, before anything is parsed.
 */
export function limitIngestBody(route: { method: string | string[]; url: string; bodyLimit?: number }): void {
  if (route.url === '/v1/usage' && route.method === 'POST') route.bodyLimit = USAGE_LIMITS.maxBatchBytes;
}
