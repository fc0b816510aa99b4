import {
  ingestionStreams,
  type CreatePriceOverrideRequest,
  type PriceOverrideData,
  type PriceOverrideList,
  type PriceOverrideRef,
  type RequestContext,
} from '@llmlab/contracts';
import { WrongExpectedRevisionError, type EventStore } from '@llmlab/event-store';
import { metadataFromContext } from '@llmlab/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { PriceBook } from '../price-catalog/price-book';
import { decidePriceOverride, type PriceOverrideCommand } from './price-override.decider';

const ATTEMPTS = 3;

/** Organization prices: load the organization's stream, decide, append at the revision read (retry on conflict). */
export class PriceOverrideHandler {
  constructor(
    private readonly store: EventStore,
    private readonly priceBook: PriceBook,
  ) {}

  async create(request: CreatePriceOverrideRequest, context: RequestContext): Promise<PriceOverrideData> {
    const actor = context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:system';
    const command: PriceOverrideCommand = { type: 'SetPriceOverride', overrideId: uuidv7(), at: new Date(), actor, request };
    const [event] = await this.execute(request.organizationId, command);
    return (event.data as { override: PriceOverrideData }).override;
  }

  async remove(ref: PriceOverrideRef): Promise<Record<string, never>> {
    await this.execute(ref.organizationId, { type: 'RemovePriceOverride', ...ref, at: new Date() });
    return {};
  }

  async list(organizationId: string): Promise<PriceOverrideList> {
    const state = await this.priceBook.overridesState(organizationId);
    return { data: [...state.overrides.values()] };
  }

  private async execute(organizationId: string, command: PriceOverrideCommand) {
    const stream = ingestionStreams.priceOverrides(organizationId);
    for (let attempt = 1; ; attempt++) {
      const state = await this.priceBook.overridesState(organizationId);
      const events = decidePriceOverride(command, state);
      try {
        await this.store.appendToStream(
          stream,
          events.map((e) => ({ ...e, metadata: metadataFromContext({ organizationId }) })),
          { expectedRevision: state.revision < 0 ? 'no_stream' : state.revision },
        );
        return events;
      } catch (err) {
        if (err instanceof WrongExpectedRevisionError && attempt < ATTEMPTS) continue;
        throw err;
      } finally {
        this.priceBook.invalidate(organizationId);
      }
    }
  }
}
