import { Injectable } from '@nestjs/common';
import { ingestionStreams, type RequestContext, type UpdateUsageRetentionRequest, type UsageRetentionView } from '@llmlab/contracts';
import { organizationScope } from '@llmlab/domain';
import { CommandRunner, metadataFromContext } from '@llmlab/service-kit';
import { usageRetentionDecider } from './usage-retention.decider';

/**
 * The context's organization's usage retention, on its own stream, through the command runner. Reads fold the
 * stream (what is stored); the maintenance job reads the projection's `ingestion.usage_retention` instead.
 */
@Injectable()
export class UsageRetentionHandler {
  constructor(private readonly runner: CommandRunner) {}

  async get(context: RequestContext): Promise<UsageRetentionView> {
    const { organizationId } = organizationScope(context);
    const { state, revision } = await this.runner.load(ingestionStreams.usageRetention(organizationId), usageRetentionDecider);
    return { organizationId, ...state, revision };
  }

  async update(request: UpdateUsageRetentionRequest, context: RequestContext): Promise<UsageRetentionView> {
    const { organizationId } = organizationScope(context);
    const { state, revision } = await this.runner.run(
      ingestionStreams.usageRetention(organizationId),
      usageRetentionDecider,
      {
        type: 'ChangeUsageRetention',
        organizationId,
        at: new Date(),
        actor: context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:system',
        settings: { usageRetentionDays: request.usageRetentionDays },
      },
      { metadata: metadataFromContext(), expectedRevision: request.expectedRevision },
    );
    return { organizationId, ...state, revision };
  }
}
