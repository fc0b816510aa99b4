import { isAbsolute, join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { Gauge } from 'prom-client';
import { INGEST_USAGE_SUBJECT } from '@llmlab/contracts';
import { repositoryRoot } from '@llmlab/persistence';
import type { BackgroundWorker, ServiceRuntime } from '@llmlab/service-kit';
import type { ProxyConfig } from '../proxy.config';
import { UsageRecorder } from './usage-recorder';
import { UsageSpool } from './usage-spool';

/** NATS' own default, for a server that did not say. */
const DEFAULT_MAX_PAYLOAD = 1 << 20;

/**
 * Opens the spool and starts the recorder (which first sends what an earlier process left in the spool); on
 * shutdown, after the calls in flight ended, spools what is buffered and closes the spool. What JetStream has not
 * acknowledged stays on disk for the next start.
 */
export class UsageRecordingWorker implements BackgroundWorker {
  readonly name = 'usage recording';
  private spool?: UsageSpool;
  private started?: UsageRecorder;

  constructor(private readonly runtime: ServiceRuntime<ProxyConfig>) {
    this.registerMetrics();
  }

  /** The recorder, once started; undefined before (the proxy then refuses calls). */
  get recorder(): UsageRecorder | undefined {
    return this.started;
  }

  async start(): Promise<void> {
    const { config, nats, logger } = this.runtime;
    const dir = isAbsolute(config.PROXY_SPOOL_DIR) ? config.PROXY_SPOOL_DIR : join(repositoryRoot(), config.PROXY_SPOOL_DIR);
    this.spool = await UsageSpool.open({ dir, maxBytes: config.PROXY_SPOOL_MAX_BYTES, sync: config.PROXY_SPOOL_SYNC });
    const recorder = new UsageRecorder({
      spool: this.spool,
      js: jetstream(nats),
      subject: this.runtime.streams.subject(INGEST_USAGE_SUBJECT),
      maxPayload: () => nats.info?.max_payload ?? DEFAULT_MAX_PAYLOAD,
      logger,
    });
    await recorder.start();
    this.started = recorder;
  }

  private registerMetrics(): void {
    const registers = [this.runtime.metrics.registry];
    const backlog = () => this.started?.backlog ?? 0;
    const bytes = () => this.spool?.bytes ?? 0;
    new Gauge({
      name: 'llmlab_proxy_spool_backlog_batches',
      help: 'Batches of recorded usage in the spool that JetStream has not acknowledged yet',
      registers,
      collect() {
        this.set(backlog());
      },
    });
    new Gauge({
      name: 'llmlab_proxy_spool_bytes',
      help: "Bytes of the spool's segments on disk (PROXY_SPOOL_MAX_BYTES is its limit)",
      registers,
      collect() {
        this.set(bytes());
      },
    });
  }

  async stop(): Promise<void> {
    await this.started?.stop();
    await this.spool?.close();
    this.started = undefined;
  }
}
