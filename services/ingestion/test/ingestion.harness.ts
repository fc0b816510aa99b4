import { jetstream, type PubAck } from '@nats-io/jetstream';
import {
  INGEST_SPANS_SUBJECT,
  INGEST_USAGE_SUBJECT,
  type RecordedEvent,
  type SpanBatchAccepted,
  type UsageBatchAccepted,
} from '@llmlab/contracts';
import { ServiceHarness } from '@llmlab/testing';
import { ingestionEnv } from '../src/ingestion.config';
import { IngestionModule } from '../src/ingestion.module';
import { IngestionProjection } from '../src/read-models/ingestion.projection';
import { ROLLUPS } from '../src/read-models/usage-projection.repository';

export interface HarnessOptions {
  /** Extra environment of the service (ingestion variables, e.g. PRICING_DATA_URL for a test's own price data). */
  env?: Record<string, string>;
}

/**
 * The ingestion service in this process, as `main.ts` boots it (the shared `ServiceHarness`), with what its tests
 * add: publishing batches as the gateway does, and waiting for the projection and the repricer to settle.
 */
export class IngestionHarness extends ServiceHarness {
  static async start(options: HarnessOptions = {}): Promise<IngestionHarness> {
    const launched = await ServiceHarness.launch(
      { name: 'ingestion', env: ingestionEnv, module: IngestionModule },
      {
        env: {
          REPRICE_INTERVAL_MS: '100',
          PRICING_POLL_INTERVAL_MS: '500',
          OVERRIDES_CACHE_TTL_MS: '200',
          CONSUMER_ACK_WAIT_MS: '5000',
          ...options.env,
        },
      },
    );
    return new IngestionHarness(launched);
  }

  get topology() {
    return this.runtime.streams;
  }

  /** Publishes a batch exactly as the gateway does: one message on INGEST, the batch id as Nats-Msg-Id. */
  publish(batch: UsageBatchAccepted | Record<string, unknown>, msgID = String(batch.batchId)): Promise<PubAck> {
    return jetstream(this.runtime.nats).publish(this.topology.subject(INGEST_USAGE_SUBJECT), JSON.stringify(batch), { msgID });
  }

  /** Publishes spans exactly as the OTLP intake does: one message on INGEST, the batch id as Nats-Msg-Id. */
  publishSpans(batch: SpanBatchAccepted | Record<string, unknown>, msgID = String(batch.batchId)): Promise<PubAck> {
    return jetstream(this.runtime.nats).publish(this.topology.subject(INGEST_SPANS_SUBJECT), JSON.stringify(batch), { msgID });
  }

  /** Waits until the projection has applied every ingestion event appended so far and the repricer is idle. */
  async settled(timeoutMs = 20_000): Promise<void> {
    await this.until(
      async () => {
        const last = await this.count(`SELECT coalesce(max(position), 0) AS n FROM event_store.events WHERE stream_id LIKE 'ingestion.%'`);
        const applied = await this.count(
          `SELECT coalesce(max(position), 0) AS n FROM ingestion.projection_checkpoints WHERE projection = 'usage'`,
        );
        const pending = await this.count(
          'SELECT (SELECT count(*) FROM ingestion.reprice_jobs WHERE done_at IS NULL) + (SELECT count(*) FROM ingestion.reprice_queue) AS n',
        );
        return applied >= last && pending === 0;
      },
      'the projection and the repricer to settle',
      timeoutMs,
    );
  }

  /** Applies every ingestion event of the ledger to the projection, in order, as a rebuild does; how many it applied. */
  async replayLedger(): Promise<number> {
    const projection = this.get(IngestionProjection);
    let applied = 0;
    for (let from = 0; ;) {
      const page = (await this.runtime.eventStore.readAll({ fromPosition: from, maxCount: 200 })) as RecordedEvent[];
      if (page.length === 0) return applied;
      for (const event of page) if (event.streamId.startsWith('ingestion.') && (await projection.apply(event))) applied++;
      from = page[page.length - 1].position;
    }
  }

  /**
   * Every read model the projection writes dropped (records, claims, traces, every rollup) with its checkpoint, then
   * projected again from the ledger (`replayLedger`). The live projection applies what it has first, else it would
   * write its checkpoint back over the reset.
   */
  async rebuildReadModels(): Promise<number> {
    await this.settled();
    await this.sql.query(
      `DELETE FROM ingestion.traces; DELETE FROM ingestion.trace_spans; DELETE FROM ingestion.trace_flags;
       DELETE FROM ingestion.usage_span_claims; DELETE FROM ingestion.usage_event_claims; DELETE FROM ingestion.usage_records;
       ${ROLLUPS.map((r) => `DELETE FROM ingestion.${r.table};`).join(' ')}
       DELETE FROM ingestion.projection_checkpoints WHERE projection = 'usage'`,
    );
    return this.replayLedger();
  }
}
