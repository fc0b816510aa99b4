import { Injectable } from '@nestjs/common';
import {
  recommendationsStreams,
  type ModelEquivalenceView,
  type RequestContext,
  type UpdateModelEquivalenceRequest,
} from '@llmlab/contracts';
import { organizationScope, type OrganizationScope } from '@llmlab/domain';
import { modelEquivalence, type ModelEquivalenceTable } from '@llmlab/pricing';
import { CommandRunner, metadataFromContext } from '@llmlab/service-kit';
import { modelEquivalenceDecider } from './model-equivalence.decider';

/**
 * An organization's right-sizing table: its own lines over the repository's, read from its stream (a change is
 * used at once, no read model to wait for), changed as a whole at the revision read.
 */
@Injectable()
export class ModelEquivalenceHandler {
  constructor(private readonly runner: CommandRunner) {}

  async view(scope: OrganizationScope): Promise<ModelEquivalenceView> {
    const { overrides, revision } = await this.read(scope);
    return {
      organizationId: scope.organizationId,
      effective: toRecord(modelEquivalence(overrides)),
      overrides: toRecord(overrides),
      revision,
    };
  }

  /** The table the right-sizing recommender uses for the organization. */
  async table(scope: OrganizationScope): Promise<ModelEquivalenceTable> {
    return modelEquivalence((await this.read(scope)).overrides);
  }

  async update(request: UpdateModelEquivalenceRequest, context: RequestContext): Promise<ModelEquivalenceView> {
    const scope = organizationScope(context);
    await this.runner.run(
      recommendationsStreams.modelEquivalence(scope.organizationId),
      modelEquivalenceDecider,
      {
        type: 'SetModelEquivalence',
        data: {
          organizationId: scope.organizationId,
          overrides: request.overrides,
          actorId: context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:recommendations',
          at: new Date().toISOString(),
        },
      },
      { metadata: metadataFromContext(), expectedRevision: request.expectedRevision },
    );
    return this.view(scope);
  }

  private async read(scope: OrganizationScope): Promise<{ overrides: ModelEquivalenceTable; revision: number }> {
    const { state, revision } = await this.runner.load(
      recommendationsStreams.modelEquivalence(scope.organizationId),
      modelEquivalenceDecider,
    );
    return { overrides: state.overrides, revision };
  }
}

function toRecord(table: ModelEquivalenceTable): Record<string, string[]> {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [k, [...v]]));
}
