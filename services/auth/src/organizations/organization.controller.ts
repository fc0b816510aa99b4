import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { authSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest, natsSubject } from '@llmlab/messaging';
import { actingUser, organizationScope } from '../shared/tenancy';
import { OrganizationHandler } from './organization.handler';
import { OrganizationQueries } from './organization.queries';

@Controller()
export class OrganizationController {
  constructor(
    private readonly organizations: OrganizationHandler,
    private readonly queries: OrganizationQueries,
  ) {}

  @MessagePattern(natsSubject(s.createOrganization))
  create(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.createOrganization>>) {
    return handleRequest(s.createOrganization, envelope, (p, ctx) => this.organizations.create(p, ctx));
  }

  @MessagePattern(natsSubject(s.listOrganizations))
  list(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listOrganizations>>) {
    return handleRequest(s.listOrganizations, envelope, (_p, ctx) => this.queries.listFor(actingUser(ctx)));
  }

  @MessagePattern(natsSubject(s.getOrganization))
  get(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.getOrganization>>) {
    return handleRequest(s.getOrganization, envelope, (_p, ctx) => this.queries.get(organizationScope(ctx), actingUser(ctx)));
  }

  @MessagePattern(natsSubject(s.updateOrganization))
  update(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.updateOrganization>>) {
    return handleRequest(s.updateOrganization, envelope, (p, ctx) => this.organizations.update(p, ctx));
  }

  @MessagePattern(natsSubject(s.listMembers))
  members(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listMembers>>) {
    return handleRequest(s.listMembers, envelope, (_p, ctx) => this.queries.members(organizationScope(ctx)));
  }

  @MessagePattern(natsSubject(s.addMember))
  addMember(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.addMember>>) {
    return handleRequest(s.addMember, envelope, (p, ctx) => this.organizations.addMember(p, ctx));
  }

  @MessagePattern(natsSubject(s.updateMember))
  updateMember(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.updateMember>>) {
    return handleRequest(s.updateMember, envelope, (p, ctx) => this.organizations.updateMember(p, ctx));
  }

  @MessagePattern(natsSubject(s.removeMember))
  removeMember(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.removeMember>>) {
    return handleRequest(s.removeMember, envelope, (p, ctx) => this.organizations.removeMember(p, ctx));
  }
}
