import { Injectable } from '@nestjs/common';
import {
  authStreams,
  type CreateProjectRequest,
  type ProjectView,
  type RequestContext,
  type Role,
  type UpdateProjectRequest,
  type AuthEvent,
} from '@llmlab/contracts';
import { metadataFromContext, CommandRunner } from '@llmlab/service-kit';
import { v7 as uuidv7 } from 'uuid';
import { organizationDecider } from '../organizations/organization.decider';
import { actingUser } from '../shared/acting-user';
import { WriteEffects } from '@llmlab/messaging';
import { projectDecider, type ProjectState } from './project.decider';
import { organizationScope, projectScope } from '@llmlab/domain';

@Injectable()
export class ProjectHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects<AuthEvent>,
  ) {}

  async create(request: CreateProjectRequest, context: RequestContext): Promise<ProjectView> {
    const scope = organizationScope(context);
    const actorId = actingUser(context);
    const projectId = uuidv7();
    const result = await this.runner.run(
      authStreams.project(projectId),
      projectDecider,
      {
        type: 'CreateProject',
        data: {
          projectId,
          organizationId: scope.organizationId,
          name: request.name,
          description: request.description ?? null,
          actorId,
          actorRole: await this.roleIn(scope.organizationId, actorId),
          at: new Date().toISOString(),
        },
      },
      { metadata: metadataFromContext({ projectId }) },
    );
    await this.effects.settle(result.position, result.events);
    return projectView(result.state, result.revision);
  }

  async update(request: UpdateProjectRequest, context: RequestContext): Promise<ProjectView> {
    const scope = projectScope(context);
    const actorId = actingUser(context);
    const result = await this.runner.run(
      authStreams.project(scope.projectId),
      projectDecider,
      {
        type: 'UpdateProject',
        data: {
          organizationId: scope.organizationId,
          name: request.name,
          description: request.description,
          actorId,
          actorRole: await this.roleIn(scope.organizationId, actorId),
          at: new Date().toISOString(),
        },
      },
      { metadata: metadataFromContext(), expectedRevision: request.expectedRevision },
    );
    await this.effects.settle(result.position, result.events);
    return projectView(result.state, result.revision);
  }

  /** DELETE archives: the project stays readable, takes no changes and no new keys, and its keys stop working. */
  async archive(context: RequestContext): Promise<Record<string, never>> {
    const scope = projectScope(context);
    const actorId = actingUser(context);
    const result = await this.runner.run(
      authStreams.project(scope.projectId),
      projectDecider,
      {
        type: 'ArchiveProject',
        data: {
          organizationId: scope.organizationId,
          actorId,
          actorRole: await this.roleIn(scope.organizationId, actorId),
          at: new Date().toISOString(),
        },
      },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position, result.events);
    return {};
  }

  /** The actor's role as the organization's stream has it now (the write side decides on its own truth). */
  private async roleIn(organizationId: string, userId: string): Promise<Role | null> {
    const { state } = await this.runner.load(authStreams.organization(organizationId), organizationDecider);
    return state.members[userId] ?? null;
  }
}

function projectView(state: ProjectState, revision: number): ProjectView {
  return {
    id: state.id!,
    organizationId: state.organizationId!,
    name: state.name,
    description: state.description,
    createdAt: state.createdAt!,
    updatedAt: state.updatedAt!,
    archivedAt: state.archivedAt,
    revision,
  };
}
