import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { authSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { ProjectHandler } from './project.handler';
import { ProjectQueries } from './project.queries';
import { organizationScope, projectScope } from '@llmlab/domain';

@Controller()
export class ProjectController {
  constructor(
    private readonly projects: ProjectHandler,
    private readonly queries: ProjectQueries,
  ) {}

  @MessagePattern(s.createProject.subject)
  create(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.createProject>>) {
    return handleRequest(s.createProject, envelope, (p, ctx) => this.projects.create(p, ctx));
  }

  @MessagePattern(s.listProjects.subject)
  list(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listProjects>>) {
    return handleRequest(s.listProjects, envelope, (p, ctx) => this.queries.list(organizationScope(ctx), p));
  }

  @MessagePattern(s.getProject.subject)
  get(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.getProject>>) {
    return handleRequest(s.getProject, envelope, (_p, ctx) => this.queries.get(projectScope(ctx)));
  }

  @MessagePattern(s.updateProject.subject)
  update(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.updateProject>>) {
    return handleRequest(s.updateProject, envelope, (p, ctx) => this.projects.update(p, ctx));
  }

  @MessagePattern(s.archiveProject.subject)
  archive(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.archiveProject>>) {
    return handleRequest(s.archiveProject, envelope, (_p, ctx) => this.projects.archive(ctx));
  }
}
