import { Injectable } from '@nestjs/common';
import type { BudgetScope } from '@llmlab/contracts';
import { PrismaClient } from './prisma';
import { type OrganizationScope } from '@llmlab/domain';

/** Names from the auth events; an id stands in for a name the service has not seen (yet). */
@Injectable()
export class DirectoryRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async organizationName(tenant: OrganizationScope): Promise<string> {
    const row = await this.prisma.directoryName.findUnique({ where: { kind_id: { kind: 'organization', id: tenant.organizationId } } });
    return row?.name ?? tenant.organizationId;
  }

  /** `project checkout-bot`, `tag feature=search`, `end user u_123`, `organization Acme`. */
  async describe(tenant: OrganizationScope, scope: BudgetScope): Promise<string> {
    switch (scope.type) {
      case 'organization':
        return `organization ${await this.organizationName(tenant)}`;
      case 'project': {
        const row = await this.prisma.directoryName.findFirst({
          where: { kind: 'project', id: scope.projectId, organizationId: tenant.organizationId },
        });
        return `project ${row?.name ?? scope.projectId}`;
      }
      case 'tag':
        return `tag ${scope.key}=${scope.value}`;
      case 'end_user':
        return `end user ${scope.userId}`;
    }
  }
}
