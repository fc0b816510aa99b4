import { Injectable } from '@nestjs/common';
import type { AlertsOwner, ResolveAlertsOwnerRequest } from '@llmlab/contracts';
import { alertNotFound } from '../alerts/alert.errors';
import { budgetNotFound } from '../budgets/budget.errors';
import { channelNotFound } from '../channels/channel.errors';
import { PrismaClient } from '../read-models/prisma';
import { isUuid } from '@llmlab/domain';

/**
 * The one lookup by id alone: which organization a budget, alert or channel belongs to, so the gateway can check
 * the caller's role there before it forwards `/v1/budgets/{id}` and the like (another tenant's id then answers
 * 404 at the edge). It returns nothing but the organization id; the forwarded request is scoped again.
 */
@Injectable()
export class OwnerQueries {
  constructor(private readonly prisma: PrismaClient) {}

  async resolve(request: ResolveAlertsOwnerRequest): Promise<AlertsOwner> {
    const id = isUuid(request.id) ? request.id : undefined;
    const select = { organizationId: true } as const;
    switch (request.resource) {
      case 'budget': {
        const row = id && (await this.prisma.budget.findFirst({ where: { id, deletedAt: null }, select }));
        if (!row) throw budgetNotFound();
        return row;
      }
      case 'alert': {
        const row = id && (await this.prisma.alert.findUnique({ where: { id }, select }));
        if (!row) throw alertNotFound();
        return row;
      }
      case 'channel': {
        const row = id && (await this.prisma.channel.findFirst({ where: { id, removedAt: null }, select }));
        if (!row) throw channelNotFound();
        return row;
      }
      default:
        throw alertNotFound();
    }
  }
}
