import { Injectable } from '@nestjs/common';
import type { ApiKeyScope, ApiKeyView, Page } from '@llmlab/contracts';
import type { ApiKey } from '../generated/prisma/client';
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
    return { data: rows.map(apiKeyView) };
  }

  /** The keys a user created, in every organization (their data export): metadata only. */
  async createdBy(userId: string): Promise<ApiKeyView[]> {
    const rows = await this.prisma.apiKey.findMany({ where: { createdBy: userId }, orderBy: { createdAt: 'asc' } });
    return rows.map(apiKeyView);
  }
}

function apiKeyView(k: ApiKey): ApiKeyView {
  return {
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
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
  };
}
