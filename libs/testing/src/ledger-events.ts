import { v7 as uuidv7 } from 'uuid';
import { ingestionStreams, type UsageRecordData, type UsageRecordedData, type UsageRepricedData } from '@llmlab/contracts';
import { openUsageRecords, type UsageLedgerKeySource } from '@llmlab/crypto';
import { UsageLedgerKeyClient, type DomainServiceConfig } from '@llmlab/service-kit';
import type { Client, Pool } from 'pg';
import { testEnv } from './test-env';
import { usageEvent } from './usage-event';

// Ledger events as the ingestion service appends them, for the tests of services that project them (alerts,
// recommendations): a tenant's usage recorded, and its corrections.

/** An organization, one of its projects and the API key that sent its usage. */
export interface Tenant {
  organizationId: string;
  projectId: string;
  apiKeyId: string;
}

export function newTenant(organizationId = uuidv7()): Tenant {
  return { organizationId, projectId: uuidv7(), apiKeyId: uuidv7() };
}

/** One usage record as the ledger keeps it, priced (or explicitly costed) at `cost` USD, a minute old. */
export function usageRecord(
  overrides: Omit<Partial<UsageRecordData>, 'cost'> & { cost?: UsageRecordData['cost'] | string | null } = {},
): UsageRecordData {
  const { cost, ...rest } = overrides;
  const recordCost: UsageRecordData['cost'] =
    cost === null
      ? { status: 'unpriced', amount: null, currency: 'USD', priceEntryId: null, priceOrigin: null }
      : typeof cost === 'object' && cost !== undefined
        ? cost
        : {
            status: 'priced',
            amount: Number(cost ?? '0.01').toFixed(12),
            currency: 'USD',
            priceEntryId: 'openai:gpt-4o-mini',
            priceOrigin: 'catalog',
          };
  return { ...usageEvent(rest), cost: recordCost };
}

export function usageRecorded(tenant: Tenant, records: UsageRecordData[], projectId = tenant.projectId): UsageRecordedData {
  return {
    batchId: uuidv7(),
    part: 0,
    parts: 1,
    organizationId: tenant.organizationId,
    projectId,
    apiKeyId: tenant.apiKeyId,
    receivedAt: new Date().toISOString(),
    pricing: { catalogRevision: 0, overridesRevision: -1 },
    records,
  };
}

/** Prices records that were unpriced (or reprices priced ones) at `amount` USD each. */
export function usageRepriced(tenant: Tenant, records: UsageRecordData[], amount: string | null): UsageRepricedData {
  return {
    organizationId: tenant.organizationId,
    projectId: tenant.projectId,
    reason: { kind: 'stale-pricing' },
    corrections: records.map((r) => ({
      eventId: r.id,
      timestamp: r.timestamp,
      previous: r.cost,
      current:
        amount === null
          ? { status: 'unpriced', amount: null, currency: 'USD', priceEntryId: null, priceOrigin: null }
          : {
              status: 'priced',
              amount: Number(amount).toFixed(12),
              currency: 'USD',
              priceEntryId: 'openai:late-price',
              priceOrigin: 'catalog',
            },
    })),
  };
}

/**
 * The usage records of a project's ledger, as its events hold them (sealed by month since retention exists: opened
 * with `keys`, the ingestion service's `UsageLedgerKeys` in a harness, `platformUsageLedgerKeys` against a platform).
 */
export async function ledgerUsageRecords(pool: Pool | Client, projectId: string, keys: UsageLedgerKeySource): Promise<UsageRecordData[]> {
  const { rows } = await pool.query<{ data: UsageRecordedData }>(
    `SELECT data FROM event_store.events WHERE stream_id = $1 AND type = 'UsageRecorded' ORDER BY revision`,
    [ingestionStreams.usage(projectId)],
  );
  const records: UsageRecordData[] = [];
  for (const row of rows) records.push(...(await openUsageRecords(row.data, keys)).records);
  return records;
}

/** The ledger's month keys as a platform's services get them, from its ingestion service over NATS; close it after. */
export function platformUsageLedgerKeys(natsPrefix: string, natsUrl = testEnv.natsUrl): UsageLedgerKeyClient {
  return new UsageLedgerKeyClient({ NATS_URL: natsUrl, NATS_PREFIX: natsPrefix } as DomainServiceConfig);
}

/**
 * SQL: how many records a `UsageRecorded` row of `event_store.events` holds, clear or sealed (per sealed month, its
 * `count`): `SELECT sum(${LEDGER_RECORD_COUNT_SQL}) FROM event_store.events WHERE type = 'UsageRecorded' ...`.
 */
export const LEDGER_RECORD_COUNT_SQL = `(jsonb_array_length(data->'records')
  + (SELECT coalesce(sum((g->>'count')::int), 0) FROM jsonb_array_elements(coalesce(data->'sealed', '[]')) g))`;
