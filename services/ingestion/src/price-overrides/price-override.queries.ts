import { Injectable } from '@nestjs/common';
import type { PriceOverrideList } from '@llmlab/contracts';
import type { OrganizationScope } from '@llmlab/domain';
import { PriceBook } from '../price-catalog/price-book';

/** An organization's prices, read from its stream rather than a read model: a price just set is listed at once. */
@Injectable()
export class PriceOverrideQueries {
  constructor(private readonly priceBook: PriceBook) {}

  async list(scope: OrganizationScope): Promise<PriceOverrideList> {
    const state = await this.priceBook.overridesState(scope);
    return { data: [...state.overrides.values()] };
  }
}
