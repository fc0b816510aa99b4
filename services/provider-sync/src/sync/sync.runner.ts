import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { providerSyncStreams, type RequestContext, type StartSyncRequest, type SyncTrigger, type UsageBucket } from '@llmlab/contracts';
import { FieldErrors, organizationScope } from '@llmlab/domain';
import { WriteEffects } from '@llmlab/messaging';
import { CommandRunner, LOGGER, SERVICE_CONFIG, metadataFromContext } from '@llmlab/service-kit';
import type { Logger } from 'pino';
import { ConnectionsRepository } from '../connections/connections.repository';
import { ConnectionsHandler } from '../connections/connections.handler';
import { invalidSync } from '../connections/provider-sync.errors';
import { connectionDecider, type ConnectionState } from '../connections/connection.decider';
import type { ProviderSyncConfig } from '../provider-sync.config';
import { ProviderPluginRegistry } from '../plugins/provider-plugin';
import { importsDecider, runningRun } from './imports.decider';

const DAY = 86_400_000;
const startOfDay = (t: number) => Math.floor(t / DAY) * DAY;

/**
 * Runs the sync of one connection: `[watermark − re-pull days, today + 1)` by default, page by page, each page one
 * command on the connection's imports stream (new buckets imported, changed ones corrected, same ones nothing), so a
 * crash loses at most the page in flight and a resumed run (same run id, same range) adds nothing twice. It only
 * appends: the read models follow from the events (`ProviderSyncProjection`), and so does the reconciliation report
 * of a completed run (`ReconciliationAfterSyncWorker`).
 */
@Injectable()
export class SyncRunner {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly runner: CommandRunner,
    private readonly connections: ConnectionsHandler,
    private readonly effects: WriteEffects,
    private readonly repository: ConnectionsRepository,
    private readonly plugins: ProviderPluginRegistry,
    @Inject(SERVICE_CONFIG) private readonly config: ProviderSyncConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async start(request: StartSyncRequest, context: RequestContext): Promise<{ runId: string }> {
    const scope = organizationScope(context);
    const connection = await this.connections.state(request.connectionId, scope.organizationId);
    const range = await this.range(connection, request.from, request.to);
    return this.begin(connection, range, 'manual', metadataFromContext());
  }

  /** Starts a run (or returns the running one) and runs it in the background. */
  async begin(
    connection: ConnectionState,
    range: { from: Date; to: Date },
    trigger: SyncTrigger,
    metadata = metadataFromContext(),
  ): Promise<{ runId: string }> {
    const runId = randomUUID();
    const result = await this.runner.run(
      providerSyncStreams.imports(connection.connectionId),
      importsDecider,
      {
        type: 'StartRun',
        data: {
          runId,
          connectionId: connection.connectionId,
          organizationId: connection.organizationId,
          provider: connection.provider!,
          from: range.from.toISOString(),
          to: range.to.toISOString(),
          trigger,
          at: new Date().toISOString(),
        },
      },
      { metadata },
    );
    const running = runningRun(result.state)!;
    // The run is listed when the caller asks for the runs next.
    await this.effects.settle(result.position);
    this.launch(connection, running.runId);
    return { runId: running.runId };
  }

  /** Resumes every run a previous process left running (at start). */
  async resumeAll(): Promise<void> {
    for (const row of await this.repository.running()) {
      const { state } = await this.runner.load(providerSyncStreams.connection(row.connectionId), connectionDecider);
      if (state.exists) this.launch(state, row.runId);
    }
  }

  idle(): Promise<void> {
    return Promise.all([...this.inFlight.values()]).then(() => undefined);
  }

  private launch(connection: ConnectionState, runId: string): void {
    if (this.inFlight.has(runId)) return;
    const work = this.execute(connection, runId)
      .catch((err: unknown) =>
        this.logger.error({ runId, connectionId: connection.connectionId, err: (err as Error).message }, 'sync run failed to record'),
      )
      .finally(() => this.inFlight.delete(runId));
    this.inFlight.set(runId, work);
  }

  private async execute(connection: ConnectionState, runId: string): Promise<void> {
    const stream = providerSyncStreams.imports(connection.connectionId);
    const metadata = metadataFromContext();
    const loaded = await this.runner.load(stream, importsDecider);
    const run = loaded.state.runs.get(runId);
    if (!run || run.status !== 'running') return;
    const plugin = this.plugins.get(connection.provider!);
    const range = { from: new Date(run.from), to: new Date(run.to) };
    const mapping = new Map(connection.mappings.map((m) => [m.externalId, m.projectId]));
    const projectOf = (external: string | null) => (external === null ? null : (mapping.get(external) ?? null));
    let pages = 0;
    // The stream is read and folded once per run: each command starts from the previous one's result (a year of
    // buckets would otherwise be folded again for every page, and on every daily sync).
    let current: { state: typeof loaded.state; revision: number } = loaded;
    const importPage = async (
      costs: { day: string; externalProjectId: string | null; model: string | null; lineItem: string | null; amount: string }[],
      usage: Omit<UsageBucket, 'projectId'>[],
    ) => {
      pages++;
      current = await this.runner.run(
        stream,
        importsDecider,
        {
          type: 'ImportPage',
          data: {
            runId,
            page: pages,
            costs: costs.map((c) => ({ ...c, projectId: projectOf(c.externalProjectId) })),
            usage: usage.map((u) => ({ ...u, projectId: projectOf(u.externalProjectId) })),
          },
        },
        { metadata },
        current,
      );
    };
    try {
      const access = { adminKey: await this.connections.adminKey(connection), baseUrl: connection.baseUrl };
      for await (const page of plugin.costs(this.connections.http, access, range)) await importPage(page.rows, []);
      for await (const page of plugin.usage(this.connections.http, access, range)) await importPage([], page.rows);
      await this.runner.run(
        stream,
        importsDecider,
        { type: 'CompleteRun', data: { runId, pagesFetched: pages, at: new Date().toISOString() } },
        { metadata },
        current,
      );
      this.logger.info({ runId, connectionId: connection.connectionId, pages }, 'provider sync completed');
    } catch (err) {
      await this.runner.run(
        stream,
        importsDecider,
        { type: 'FailRun', data: { runId, pagesFetched: pages, error: (err as Error).message, at: new Date().toISOString() } },
        { metadata },
      );
      this.logger.warn({ runId, connectionId: connection.connectionId, err: (err as Error).message }, 'provider sync failed');
    }
  }

  /** The requested range (whole UTC days, at most 400), or from the watermark minus the re-pull days to tomorrow. */
  async range(connection: ConnectionState, from?: string, to?: string): Promise<{ from: Date; to: Date }> {
    const errors = new FieldErrors();
    const parse = (value: string | undefined, field: string) => {
      if (value === undefined) return undefined;
      const t = Date.parse(value);
      if (typeof value !== 'string' || Number.isNaN(t)) errors.add(`/${field}`, 'must be an ISO 8601 date or instant');
      return t;
    };
    const f = parse(from, 'from');
    const t = parse(to, 'to');
    if (!errors.empty) throw invalidSync(errors.errors);
    const end = t !== undefined ? startOfDay(t + DAY - 1) : startOfDay(Date.now()) + DAY;
    let start: number;
    if (f !== undefined) start = startOfDay(f);
    else {
      const { state } = await this.runner.load(providerSyncStreams.imports(connection.connectionId), importsDecider);
      start = state.watermark
        ? startOfDay(Date.parse(state.watermark)) - this.config.PROVIDER_SYNC_REPULL_DAYS * DAY
        : end - this.config.PROVIDER_SYNC_INITIAL_DAYS * DAY;
    }
    if (start >= end) throw invalidSync([{ field: '/from', message: 'must be before to' }]);
    if (end - start > 400 * DAY) throw invalidSync([{ field: '/to', message: 'the range spans at most 400 days' }]);
    return { from: new Date(start), to: new Date(end) };
  }
}
