import { Injectable } from '@nestjs/common';
import {
  reconciliationStreams,
  type ReconciliationSettingsView,
  type ReconciliationTolerance,
  type RequestContext,
  type UpdateReconciliationSettingsRequest,
} from '@llmlab/contracts';
import { organizationScope, type OrganizationScope } from '@llmlab/domain';
import { CommandRunner, metadataFromContext } from '@llmlab/service-kit';
import { reconciliationSettingsDecider } from './reconciliation-settings.decider';

/**
 * The organization's reconciliation tolerance: its own small stream, folded when read (one event per change), so
 * there is no read model to keep.
 */
@Injectable()
export class ReconciliationSettingsHandler {
  constructor(private readonly runner: CommandRunner) {}

  async get(scope: OrganizationScope): Promise<ReconciliationSettingsView> {
    const { state, revision } = await this.runner.load(reconciliationStreams.settings(scope.organizationId), reconciliationSettingsDecider);
    return { organizationId: scope.organizationId, tolerance: state.tolerance, revision, updatedAt: state.updatedAt };
  }

  async tolerance(scope: OrganizationScope): Promise<ReconciliationTolerance> {
    return (await this.get(scope)).tolerance;
  }

  async update(request: UpdateReconciliationSettingsRequest, context: RequestContext): Promise<ReconciliationSettingsView> {
    const scope = organizationScope(context);
    await this.runner.run(
      reconciliationStreams.settings(scope.organizationId),
      reconciliationSettingsDecider,
      {
        type: 'UpdateReconciliationSettings',
        data: {
          organizationId: scope.organizationId,
          actorId: context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:provider-sync',
          at: new Date().toISOString(),
          tolerance: request.tolerance,
        },
      },
      { metadata: metadataFromContext(), expectedRevision: request.expectedRevision },
    );
    return this.get(scope);
  }
}
