import { normalizeProvider } from './provider-names';

/** A provider's batch endpoint: the same requests, answered asynchronously (within 24 hours) at a discount. */
export interface BatchDiscount {
  /** Share of the standard price taken off, as a decimal string (`"0.5"`: half price). */
  readonly discount: string;
  readonly api: string;
  /** Where the provider publishes the discount. */
  readonly source: string;
}

/**
 * The providers' published batch discounts, by provider id (docs/pricing.md, "Batch discounts"). A provider that is
 * not here has no batch discount the what-if engine will assume. The discount applies to the whole price of a batched
 * call, cached-input and cache-write tokens included, as these providers bill it.
 */
export const BATCH_DISCOUNTS: Readonly<Record<string, BatchDiscount>> = {
  openai: {
    discount: '0.5',
    api: 'the Batch API (POST /v1/batches)',
    source: 'https://platform.openai.com/docs/guides/batch',
  },
  anthropic: {
    discount: '0.5',
    api: 'the Message Batches API (POST /v1/messages/batches)',
    source: 'https://docs.anthropic.com/en/docs/build-with-claude/batch-processing',
  },
  google: {
    discount: '0.5',
    api: 'Batch Mode of the Gemini API (batchGenerateContent), or Vertex AI batch prediction',
    source: 'https://ai.google.dev/gemini-api/docs/batch-mode',
  },
  azure: {
    discount: '0.5',
    api: 'Azure OpenAI global batch deployments',
    source: 'https://learn.microsoft.com/azure/ai-services/openai/how-to/batch',
  },
};

/** The batch discount of a provider (any of its names), or none. */
export function batchDiscount(
  provider: string,
  table: Readonly<Record<string, BatchDiscount>> = BATCH_DISCOUNTS,
): BatchDiscount | undefined {
  const id = normalizeProvider(provider);
  return Object.hasOwn(table, id) ? table[id] : undefined;
}
