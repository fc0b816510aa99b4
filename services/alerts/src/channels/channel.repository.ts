import { Injectable } from '@nestjs/common';
import type { ChannelType, ChannelView, SealedChannelConfig } from '@llmlab/contracts';
import { PrismaClient } from '../read-models/prisma';
import { type OrganizationScope, isUuid } from '@llmlab/domain';

export interface ChannelRecord extends ChannelView {
  config: SealedChannelConfig;
}

type ChannelRow = Awaited<ReturnType<PrismaClient['channel']['findFirstOrThrow']>>;

function record(row: ChannelRow): ChannelRecord {
  return {
    id: row.id,
    organizationId: row.organizationId,
    type: row.type as ChannelType,
    name: row.name,
    description: row.description,
    createdAt: row.createdAt.toISOString(),
    config: row.config as unknown as SealedChannelConfig,
  };
}

/** Channels that were not removed, with their sealed configuration (never handed to the API as is). */
@Injectable()
export class ChannelRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async active(tenant: OrganizationScope): Promise<ChannelRecord[]> {
    const rows = await this.prisma.channel.findMany({
      where: { organizationId: tenant.organizationId, removedAt: null },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(record);
  }

  async find(tenant: OrganizationScope, channelId: string): Promise<ChannelRecord | undefined> {
    if (!isUuid(channelId)) return undefined;
    const row = await this.prisma.channel.findFirst({ where: { id: channelId, organizationId: tenant.organizationId, removedAt: null } });
    return row ? record(row) : undefined;
  }

  count(tenant: OrganizationScope): Promise<number> {
    return this.prisma.channel.count({ where: { organizationId: tenant.organizationId, removedAt: null } });
  }
}

export function channelView(record: ChannelRecord): ChannelView {
  const { config: _sealed, ...view } = record;
  return view;
}
