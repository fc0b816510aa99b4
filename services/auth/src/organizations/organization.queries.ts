import { Injectable } from '@nestjs/common';
import {
  type InvitationView,
  type MemberList,
  type MemberView,
  type OperatorRateLimitsView,
  type OrganizationView,
  type Page,
  type Role,
  OrganizationErrorCode,
} from '@llmlab/contracts';
import { openField, SubjectKeyStore } from '@llmlab/crypto';
import { PrismaClient } from '../read-models/prisma';
import { UserQueries } from '../users/user.queries';
import { OrganizationError, organizationNotFound } from './organization.errors';
import { type OrganizationScope } from '@llmlab/domain';

interface OrganizationRow {
  id: string;
  name: string;
  createdAt: Date;
  managementRateLimit: number | null;
  ingestRateLimit: number | null;
  revision: number;
}

function organizationView(row: OrganizationRow, role: Role): OrganizationView {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    role,
    rateLimits: { managementPerHour: row.managementRateLimit, ingestPerHour: row.ingestRateLimit },
    revision: row.revision,
  };
}

/** Organizations and their members, read from the projections; every tenant read takes its scope. */
@Injectable()
export class OrganizationQueries {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly users: UserQueries,
    private readonly subjectKeys: SubjectKeyStore,
  ) {}

  async listFor(userId: string): Promise<Page<OrganizationView>> {
    const memberships = await this.prisma.membership.findMany({
      where: { userId },
      include: { organization: true },
      orderBy: { organization: { createdAt: 'asc' } },
    });
    return { data: memberships.map((m) => organizationView(m.organization, m.role as Role)) };
  }

  async get(scope: OrganizationScope, userId: string): Promise<OrganizationView> {
    const membership = await this.prisma.membership.findUnique({
      where: { organizationId_userId: { organizationId: scope.organizationId, userId } },
      include: { organization: true },
    });
    if (!membership) throw organizationNotFound();
    return organizationView(membership.organization, membership.role as Role);
  }

  /** For the operator, who is no member: any existing organization. */
  async rateLimits(scope: OrganizationScope): Promise<OperatorRateLimitsView> {
    const row = await this.prisma.organization.findUnique({ where: { id: scope.organizationId } });
    if (!row) throw organizationNotFound();
    return {
      organizationId: row.id,
      managementPerHour: row.managementRateLimit,
      ingestPerHour: row.ingestRateLimit,
      revision: row.revision,
    };
  }

  async members(scope: OrganizationScope): Promise<MemberList> {
    const [memberships, invitations] = await Promise.all([
      this.prisma.membership.findMany({ where: { organizationId: scope.organizationId }, orderBy: { joinedAt: 'asc' } }),
      this.prisma.invitation.findMany({
        where: { organizationId: scope.organizationId, status: 'pending' },
        orderBy: { invitedAt: 'asc' },
      }),
    ]);
    const users = await this.users.views(await this.prisma.user.findMany({ where: { id: { in: memberships.map((m) => m.userId) } } }));
    const invitationKeys = await this.subjectKeys.getMany(invitations.map((i) => i.id));
    return {
      data: memberships.map((m) => memberView(m, users.get(m.userId))),
      invitations: invitations.map((i): InvitationView => ({
        invitationId: i.id,
        email: openField(invitationKeys.get(i.id), i.id, 'email', i.emailCiphertext),
        role: i.role as Role,
        invitedBy: i.invitedBy,
        invitedAt: i.invitedAt.toISOString(),
      })),
    };
  }

  async member(scope: OrganizationScope, userId: string): Promise<MemberView> {
    const membership = await this.prisma.membership.findUnique({
      where: { organizationId_userId: { organizationId: scope.organizationId, userId } },
    });
    if (!membership) throw new OrganizationError(OrganizationErrorCode.MemberNotFound, 'member not found');
    const user = await this.prisma.user.findUnique({ where: { id: userId } });
    return memberView(membership, user ? (await this.users.views([user])).get(userId) : undefined);
  }
}

function memberView(m: { userId: string; role: string; joinedAt: Date }, user: { email: string; name: string } | undefined): MemberView {
  return { userId: m.userId, email: user?.email ?? '', name: user?.name ?? '', role: m.role as Role, joinedAt: m.joinedAt.toISOString() };
}
