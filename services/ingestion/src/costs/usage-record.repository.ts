import { Injectable } from '@nestjs/common';
import type { UsageRecordView, UsageStatus } from '@llmlab/contracts';
import type { ProjectScope } from '@llmlab/domain';
import { PrismaClient } from '../read-models/prisma';
import type { Interval } from './cost-range';
import type { KeysetCursor } from '../keyset-cursor';

export interface UsageRecordFilters {
  model?: string;
  userId?: string;
  status?: UsageStatus;
}

type UsageRecordRow = Awaited<ReturnType<PrismaClient['usageRecord']['findMany']>>[number];

/** Usage records of one project, newest first; the organization id is part of every query. */
@Injectable()
export class UsageRecordRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async list(
    scope: ProjectScope,
    range: Interval,
    filters: UsageRecordFilters,
    after: KeysetCursor | undefined,
    take: number,
  ): Promise<UsageRecordView[]> {
    const rows = await this.prisma.usageRecord.findMany({
      where: {
        organizationId: scope.organizationId,
        projectId: scope.projectId,
        occurredAt: { gte: range.from, lt: range.to },
        ...(filters.model !== undefined ? { model: filters.model } : {}),
        ...(filters.userId !== undefined ? { userId: filters.userId } : {}),
        ...(filters.status !== undefined ? { status: filters.status } : {}),
        ...(after
          ? {
              OR: [{ occurredAt: { lt: new Date(after.at) } }, { occurredAt: new Date(after.at), eventId: { lt: after.id } }],
            }
          : {}),
      },
      orderBy: [{ occurredAt: 'desc' }, { eventId: 'desc' }],
      take,
    });
    return rows.map(toView);
  }
}

function toView(row: UsageRecordRow): UsageRecordView {
  const n = (value: bigint) => Number(value);
  return {
    id: row.eventId,
    timestamp: row.occurredAt.toISOString(),
    provider: row.provider,
    model: row.model,
    usage: {
      inputTokens: n(row.inputTokens),
      outputTokens: n(row.outputTokens),
      cachedInputTokens: n(row.cachedInputTokens),
      cacheWriteTokens: n(row.cacheWriteTokens),
      cacheWrite1hTokens: n(row.cacheWrite1hTokens),
      reasoningTokens: n(row.reasoningTokens),
      inputAudioTokens: n(row.inputAudioTokens),
      cachedInputAudioTokens: n(row.cachedInputAudioTokens),
      outputAudioTokens: n(row.outputAudioTokens),
      inputImageTokens: n(row.inputImageTokens),
      cachedInputImageTokens: n(row.cachedInputImageTokens),
      outputImageTokens: n(row.outputImageTokens),
    },
    latencyMs: row.latencyMs,
    status: row.status as UsageStatus,
    errorType: row.errorType,
    userId: row.userId,
    traceId: row.traceId,
    spanId: row.spanId,
    tags: row.tags as Record<string, string>,
    metadata: row.metadata as Record<string, unknown>,
    cost: {
      status: row.costStatus as UsageRecordView['cost']['status'],
      amount: row.cost === null ? null : row.cost.toFixed(12),
      currency: 'USD',
      priceEntryId: row.priceEntryId,
      priceOrigin: row.priceOrigin as UsageRecordView['cost']['priceOrigin'],
    },
    receivedAt: row.receivedAt.toISOString(),
  };
}
