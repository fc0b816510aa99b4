import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { authSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { actingOperator } from '../shared/acting-operator';
import { actingUser } from '../shared/acting-user';
import { Invitations } from './invitations';
import { OrganizationHandler } from './organization.handler';
import { OrganizationQueries } from './organization.queries';
import { organizationScope } from '@llmlab/domain';

@Controller()
export class OrganizationController {
  constructor(
    private readonly organizations: OrganizationHandler,
    private readonly queries: OrganizationQueries,
    private readonly invitations: Invitations,
  ) {}

  @MessagePattern(s.listInvitations.subject)
  listInvitations(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listInvitations>>) {
    return handleRequest(s.listInvitations, envelope, async (_p, ctx) => ({
      data: (await this.queries.members(organizationScope(ctx))).invitations,
    }));
  }

  @MessagePattern(s.createInvitation.subject)
  createInvitation(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.createInvitation>>) {
    return handleRequest(s.createInvitation, envelope, (p, ctx) => this.invitations.create(p, ctx));
  }

  @MessagePattern(s.revokeInvitation.subject)
  revokeInvitation(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.revokeInvitation>>) {
    return handleRequest(s.revokeInvitation, envelope, (p, ctx) => this.invitations.revoke(p, ctx));
  }

  @MessagePattern(s.acceptInvitation.subject)
  acceptInvitation(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.acceptInvitation>>) {
    return handleRequest(s.acceptInvitation, envelope, (p, ctx) => this.invitations.accept(p, ctx));
  }

  @MessagePattern(s.createOrganization.subject)
  create(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.createOrganization>>) {
    return handleRequest(s.createOrganization, envelope, (p, ctx) => this.organizations.create(p, ctx));
  }

  @MessagePattern(s.listOrganizations.subject)
  list(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listOrganizations>>) {
    return handleRequest(s.listOrganizations, envelope, (_p, ctx) => this.queries.listFor(actingUser(ctx)));
  }

  @MessagePattern(s.getOrganization.subject)
  get(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.getOrganization>>) {
    return handleRequest(s.getOrganization, envelope, (_p, ctx) => this.queries.get(organizationScope(ctx), actingUser(ctx)));
  }

  @MessagePattern(s.updateOrganization.subject)
  update(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.updateOrganization>>) {
    return handleRequest(s.updateOrganization, envelope, (p, ctx) => this.organizations.update(p, ctx));
  }

  @MessagePattern(s.getRateLimits.subject)
  rateLimits(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.getRateLimits>>) {
    return handleRequest(s.getRateLimits, envelope, (_p, ctx) => {
      actingOperator(ctx);
      return this.queries.rateLimits(organizationScope(ctx));
    });
  }

  @MessagePattern(s.setRateLimits.subject)
  setRateLimits(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.setRateLimits>>) {
    return handleRequest(s.setRateLimits, envelope, (p, ctx) => this.organizations.setRateLimits(p, ctx));
  }

  @MessagePattern(s.listMembers.subject)
  members(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listMembers>>) {
    return handleRequest(s.listMembers, envelope, (_p, ctx) => this.queries.members(organizationScope(ctx)));
  }

  @MessagePattern(s.addMember.subject)
  addMember(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.addMember>>) {
    return handleRequest(s.addMember, envelope, (p, ctx) => this.organizations.addMember(p, ctx));
  }

  @MessagePattern(s.updateMember.subject)
  updateMember(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.updateMember>>) {
    return handleRequest(s.updateMember, envelope, (p, ctx) => this.organizations.updateMember(p, ctx));
  }

  @MessagePattern(s.removeMember.subject)
  removeMember(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.removeMember>>) {
    return handleRequest(s.removeMember, envelope, (p, ctx) => this.organizations.removeMember(p, ctx));
  }
}
