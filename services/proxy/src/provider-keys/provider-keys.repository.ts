import { Injectable } from '@nestjs/common';
import type { ProxyProvider, ProviderKeyView, SealedProviderKey } from '@llmlab/contracts';
import type { ProjectScope } from '@llmlab/domain';
import { PrismaClient } from '../read-models/prisma';

export interface StoredProviderKeyRow {
  providerKeyId: string;
  baseUrl: string | null;
  sealed: SealedProviderKey;
}

/** The read model of stored provider keys: views for the API (never the key), the sealed key for the data path. */
@Injectable()
export class ProviderKeysRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async list(scope: ProjectScope): Promise<ProviderKeyView[]> {
    const rows = await this.prisma.providerKey.findMany({
      where: { projectId: scope.projectId, organizationId: scope.organizationId },
      orderBy: { provider: 'asc' },
    });
    return rows.map((row) => ({
      provider: row.provider as ProxyProvider,
      baseUrl: row.baseUrl,
      keyHint: row.keyHint,
      storedAt: row.storedAt.toISOString(),
      storedBy: row.storedBy,
    }));
  }

  async sealed(projectId: string, provider: ProxyProvider): Promise<StoredProviderKeyRow | undefined> {
    const row = await this.prisma.providerKey.findUnique({
      where: { projectId_provider: { projectId, provider } },
      select: { providerKeyId: true, baseUrl: true, sealed: true },
    });
    return row ? { providerKeyId: row.providerKeyId, baseUrl: row.baseUrl, sealed: row.sealed as unknown as SealedProviderKey } : undefined;
  }
}
