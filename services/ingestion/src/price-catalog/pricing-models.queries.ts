import {
  parseRfc3339,
  type FieldError,
  type PriceEntryData,
  type PricingModelsPage,
  type PricingModelsRequest,
  IngestionErrorCode,
} from '@llmlab/contracts';
import { Injectable } from '@nestjs/common';
import { IngestionError, validationFailed } from '../ingestion.errors';
import { GENAI_PRICES_ATTRIBUTION, normalizeProvider } from '@llmlab/pricing';
import { PrismaClient } from '../read-models/prisma';

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** The catalog's prices in force at an instant, searchable by model id or alias, in pages ordered by provider and model. */
@Injectable()
export class PricingModelsQueries {
  constructor(private readonly prisma: PrismaClient) {}

  async list(request: PricingModelsRequest): Promise<PricingModelsPage> {
    const errors: FieldError[] = [];
    const at = request.at === undefined ? Date.now() : parseRfc3339(request.at);
    if (at === undefined) errors.push({ field: '/at', message: 'must be an RFC 3339 date-time' });
    const limit = request.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      errors.push({ field: '/limit', message: `must be an integer from 1 to ${MAX_LIMIT}` });
    if (request.search !== undefined && (typeof request.search !== 'string' || request.search.length > 256)) {
      errors.push({ field: '/search', message: 'must be a string of at most 256 characters' });
    }
    if (errors.length > 0) throw validationFailed(errors);
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    const instant = new Date(at!);
    const search = request.search?.trim().toLowerCase();

    const rows = await this.prisma.catalogPriceEntry.findMany({
      where: {
        AND: [
          { OR: [{ effectiveFrom: null }, { effectiveFrom: { lte: instant } }] },
          { OR: [{ effectiveTo: null }, { effectiveTo: { gt: instant } }] },
          ...(request.provider ? [{ provider: normalizeProvider(request.provider) }] : []),
          ...(search ? [{ OR: [{ model: { contains: search, mode: 'insensitive' as const } }, { aliases: { has: search } }] }] : []),
          ...(after
            ? [
                {
                  OR: [
                    { provider: { gt: after.provider } },
                    { provider: after.provider, model: { gt: after.model } },
                    { provider: after.provider, model: after.model, id: { gt: after.id } },
                  ],
                },
              ]
            : []),
        ],
      },
      orderBy: [{ provider: 'asc' }, { model: 'asc' }, { id: 'asc' }],
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map((row): PriceEntryData => ({
        id: row.id,
        provider: row.provider,
        model: row.model,
        ...(row.aliases.length > 0 ? { aliases: row.aliases } : {}),
        ...((row.patterns as unknown[]).length > 0 ? { patterns: row.patterns as unknown as PriceEntryData['patterns'] } : {}),
        effectiveFrom: row.effectiveFrom?.toISOString() ?? null,
        effectiveTo: row.effectiveTo?.toISOString() ?? null,
        ...(row.timeOfDay ? { timeOfDay: row.timeOfDay as unknown as PriceEntryData['timeOfDay'] } : {}),
        currency: 'USD',
        rates: row.rates as unknown as PriceEntryData['rates'],
        ...((row.tiers as unknown[]).length > 0 ? { tiers: row.tiers as unknown as PriceEntryData['tiers'] } : {}),
      })),
      nextCursor: rows.length > limit && last ? encodeCursor({ provider: last.provider, model: last.model, id: last.id }) : null,
      attribution: GENAI_PRICES_ATTRIBUTION,
    };
  }
}

interface ModelCursor {
  provider: string;
  model: string;
  id: string;
}

function encodeCursor(cursor: ModelCursor): string {
  return Buffer.from(JSON.stringify([cursor.provider, cursor.model, cursor.id])).toString('base64url');
}

function decodeCursor(text: string): ModelCursor {
  const value = parseJson(Buffer.from(text, 'base64url').toString('utf8'));
  if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'string')) {
    return { provider: value[0], model: value[1], id: value[2] };
  }
  throw new IngestionError(IngestionErrorCode.InvalidCursor, 'cursor is not one this API handed out: start again without it');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
