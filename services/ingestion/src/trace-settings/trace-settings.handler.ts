import { Injectable } from '@nestjs/common';
import { ingestionStreams, type RequestContext, type TraceSettingsView, type UpdateTraceSettingsRequest } from '@llmlab/contracts';
import { organizationScope } from '@llmlab/domain';
import { CommandRunner, metadataFromContext } from '@llmlab/service-kit';
import { TraceSettingsCache } from './trace-settings.cache';
import { traceSettingsDecider } from './trace-settings.decider';

/** The context's organization's content capture settings, on their own stream, through the command runner. */
@Injectable()
export class TraceSettingsHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly cache: TraceSettingsCache,
  ) {}

  get(context: RequestContext): Promise<TraceSettingsView> {
    return this.cache.read(organizationScope(context).organizationId);
  }

  async update(request: UpdateTraceSettingsRequest, context: RequestContext): Promise<TraceSettingsView> {
    const { organizationId } = organizationScope(context);
    try {
      const { state, revision } = await this.runner.run(
        ingestionStreams.traceSettings(organizationId),
        traceSettingsDecider,
        {
          type: 'ChangeTraceSettings',
          organizationId,
          at: new Date(),
          actor: context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:system',
          settings: { captureContent: request.captureContent, contentRetentionDays: request.contentRetentionDays },
        },
        { metadata: metadataFromContext(), expectedRevision: request.expectedRevision },
      );
      return { organizationId, ...state, revision };
    } finally {
      // This replica stores by the new settings from the next batch on; the others within the cache's TTL.
      this.cache.invalidate(organizationId);
    }
  }
}
