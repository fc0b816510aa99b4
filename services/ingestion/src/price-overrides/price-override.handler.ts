import { Injectable } from '@nestjs/common';
import {
  ingestionStreams,
  type CreatePriceOverrideRequest,
  type PriceOverrideData,
  type PriceOverrideRef,
  type RequestContext,
} from '@llmlab/contracts';
import { organizationScope, type OrganizationScope } from '@llmlab/domain';
import { CommandRunner, metadataFromContext } from '@llmlab/service-kit';
import { v7 as uuidv7 } from 'uuid';
import { derivedEventId } from '../derived-event-id';
import { PriceBook } from '../price-catalog/price-book';
import { priceOverrideDecider, type PriceOverrideCommand } from './price-override.decider';

/** Prices of the context's organization, on its own stream, through the command runner. */
@Injectable()
export class PriceOverrideHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly priceBook: PriceBook,
  ) {}

  async create(request: CreatePriceOverrideRequest, context: RequestContext): Promise<PriceOverrideData> {
    const scope = organizationScope(context);
    const overrideId = uuidv7();
    const { events } = await this.execute(scope, {
      type: 'SetPriceOverride',
      eventId: derivedEventId(overrideId, 'PriceOverrideSet'),
      organizationId: scope.organizationId,
      overrideId,
      at: new Date(),
      actor: context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:system',
      request,
    });
    const [set] = events;
    if (set.type !== 'PriceOverrideSet') throw new Error(`setting a price decided ${set.type}`);
    return set.data.override;
  }

  async remove(ref: PriceOverrideRef, context: RequestContext): Promise<Record<string, never>> {
    const scope = organizationScope(context);
    await this.execute(scope, {
      type: 'RemovePriceOverride',
      eventId: derivedEventId(ref.overrideId, 'PriceOverrideRemoved'),
      organizationId: scope.organizationId,
      overrideId: ref.overrideId,
      at: new Date(),
    });
    return {};
  }

  private async execute(scope: OrganizationScope, command: PriceOverrideCommand) {
    try {
      return await this.runner.run(ingestionStreams.priceOverrides(scope.organizationId), priceOverrideDecider, command, {
        metadata: metadataFromContext(),
      });
    } finally {
      // Whatever happened, this process reads the organization's prices again before it prices with them.
      this.priceBook.invalidate(scope);
    }
  }
}
