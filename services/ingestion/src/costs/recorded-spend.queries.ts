import {
  IngestionErrorCode,
  RECORDED_SPEND_GROUPS,
  type FieldError,
  type RecordedSpendPage,
  type RecordedSpendRequest,
} from '@llmlab/contracts';
import { wholeUtcDays, type OrganizationScope } from '@llmlab/domain';
import { Injectable } from '@nestjs/common';
import { IngestionError, validationFailed } from '../ingestion.errors';
import { RecordedSpendRepository, type RecordedSpendKey } from './recorded-spend.repository';

const DEFAULT_LIMIT = 2000;
const MAX_LIMIT = 5000;

/**
 * Recorded spend per UTC day for provider-sync's reconciliation: the organization in the request's context, whole
 * UTC days (what a provider bills by), read from the daily rollups, never another service's schema.
 */
@Injectable()
export class RecordedSpendQueries {
  constructor(private readonly spend: RecordedSpendRepository) {}

  async page(scope: OrganizationScope, request: RecordedSpendRequest): Promise<RecordedSpendPage> {
    const errors: FieldError[] = [];
    const days = wholeUtcDays(request, errors);
    if (!RECORDED_SPEND_GROUPS.includes(request.groupBy)) {
      errors.push({ field: '/groupBy', message: `must be one of ${RECORDED_SPEND_GROUPS.join(', ')}` });
    }
    const { provider, limit = DEFAULT_LIMIT } = request;
    if (provider !== undefined && (typeof provider !== 'string' || provider.length === 0 || provider.length > 200)) {
      errors.push({ field: '/provider', message: 'must be a string of 1 to 200 characters' });
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      errors.push({ field: '/limit', message: `must be an integer from 1 to ${MAX_LIMIT}` });
    }
    if (errors.length > 0) throw validationFailed(errors);
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    const rows = await this.spend.page(scope, days, request.groupBy, { provider }, after, limit + 1);
    const data = rows.slice(0, limit);
    const last = data.at(-1);
    return {
      from: days.from.toISOString(),
      to: days.to.toISOString(),
      groupBy: request.groupBy,
      data,
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({ day: last.day, provider: last.provider, key: last.model ?? last.projectId ?? '' })
          : null,
    };
  }
}

function encodeCursor(key: RecordedSpendKey): string {
  return Buffer.from(JSON.stringify({ v: 1, ...key })).toString('base64url');
}

function decodeCursor(text: string): RecordedSpendKey {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(String(text), 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const { v, day, provider, key } = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (v !== 1 || typeof day !== 'string' || typeof provider !== 'string' || typeof key !== 'string') {
    throw new IngestionError(IngestionErrorCode.InvalidCursor, 'cursor is not one this API handed out: start again without it');
  }
  return { day, provider, key };
}
