import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, SERVICE_CONFIG, type BackgroundWorker } from '@llmlab/service-kit';
import type { Logger } from 'pino';
import { ConnectionsHandler } from '../connections/connections.handler';
import { ConnectionsRepository } from '../connections/connections.repository';
import type { ProviderSyncConfig } from '../provider-sync.config';
import { SyncRunner } from './sync.runner';

const DAY = 86_400_000;

/**
 * Resumes the runs a previous process left running, then syncs every connection with sync enabled once a day at
 * `PROVIDER_SYNC_HOUR_UTC` (from its watermark minus the re-pull days).
 */
@Injectable()
export class SyncScheduler implements BackgroundWorker {
  readonly name = 'provider-sync-schedule';
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly sync: SyncRunner,
    private readonly connections: ConnectionsHandler,
    private readonly repository: ConnectionsRepository,
    @Inject(SERVICE_CONFIG) private readonly config: ProviderSyncConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.sync.resumeAll();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.sync.idle();
  }

  /** The next `PROVIDER_SYNC_HOUR_UTC:00` after `now`. */
  nextRun(now = Date.now()): number {
    const today = Math.floor(now / DAY) * DAY + this.config.PROVIDER_SYNC_HOUR_UTC * 3_600_000;
    return today > now ? today : today + DAY;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = Math.min(this.nextRun() - Date.now(), 2 ** 31 - 1);
    this.timer = setTimeout(() => void this.runAll().finally(() => this.schedule()), delay);
    this.timer.unref();
  }

  async runAll(): Promise<void> {
    for (const row of await this.repository.syncEnabled()) {
      try {
        const state = await this.connections.state(row.connectionId, row.organizationId);
        await this.sync.begin(state, await this.sync.range(state), 'schedule');
      } catch (err) {
        this.logger.warn({ connectionId: row.connectionId, err: (err as Error).message }, 'scheduled provider sync not started');
      }
    }
  }
}
