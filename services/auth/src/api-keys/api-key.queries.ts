import { Injectable } from '@nestjs/common';
import type { ApiKeyScope, ApiKeyView, Page } from '@llmlab/contracts';
import { PrismaClient } from '../read-models/prisma';
import { type ProjectScope } from '@llmlab/domain';

@Injectable()
export class ApiKeyQueries {
  constructor(private readonly prisma: PrismaClient) {}

  /** The project's keys, revoked ones included (their history matters); never a secret, never a hash. */
  async list(scope: ProjectScope): Promise<Page<ApiKeyView>> {
    const rows = await this.prisma.apiKey.findMany({
      where: { projectId: scope.projectId, organizationId: scope.organizationId },
      orderBy: { createdAt: 'asc' },
    });
    return {
      data: rows.map((k) => ({
        id: k.id,
        organizationId: k.organizationId,
        projectId: k.projectId,
        name: k.name,
        prefix: k.prefix,
        scopes: k.scopes as ApiKeyScope[],
        createdAt: k.createdAt.toISOString(),
        createdBy: k.createdBy,
        expiresAt: k.expiresAt?.toISOString() ?? null,
        revokedAt: k.revokedAt?.toISOString() ?? null,
      })),
    };
  }
}
