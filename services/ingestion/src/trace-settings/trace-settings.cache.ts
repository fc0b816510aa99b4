import { Injectable } from '@nestjs/common';
import { ingestionStreams, type TraceSettingsData, type TraceSettingsView } from '@llmlab/contracts';
import { CommandRunner } from '@llmlab/service-kit';
import { traceSettingsDecider } from './trace-settings.decider';

/**
 * How long a replica trusts the settings it read. Turning capture off stops storage on the replica that took the
 * command at once (it invalidates), and on every other replica within this time (docs/traces.md, "Content capture").
 */
export const TRACE_SETTINGS_TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

/** Each organization's content capture settings, folded from its stream and kept briefly for the spans consumer. */
@Injectable()
export class TraceSettingsCache {
  private readonly entries = new Map<string, { view: TraceSettingsView; until: number }>();

  constructor(private readonly runner: CommandRunner) {}

  async get(organizationId: string): Promise<TraceSettingsData> {
    const hit = this.entries.get(organizationId);
    if (hit && hit.until > Date.now()) return hit.view;
    return this.read(organizationId);
  }

  /** Read from the stream, never from the cache (the settings route answers with what is stored). */
  async read(organizationId: string): Promise<TraceSettingsView> {
    const { state, revision } = await this.runner.load(ingestionStreams.traceSettings(organizationId), traceSettingsDecider);
    const view: TraceSettingsView = { organizationId, ...state, revision };
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(organizationId, { view, until: Date.now() + TRACE_SETTINGS_TTL_MS });
    return view;
  }

  invalidate(organizationId: string): void {
    this.entries.delete(organizationId);
  }
}
