import { z } from '@llmlab/config';
import { trustedOriginsEnv } from '@llmlab/notifications';
import type { DomainServiceConfig } from '@llmlab/service-kit';

/** The provider-sync service's own environment, validated with the common variables at start. */
export const providerSyncEnv = {
  /** 32 bytes, base64: wraps the data keys of connections' credentials (`provider_sync.connection_keys`). */
  MASTER_ENCRYPTION_KEY: z.string().optional(),
  MASTER_ENCRYPTION_KEY_PREVIOUS: z.string().optional(),
  /**
   * Origins (`scheme://host:port`) a connection's `baseUrl` may point at (a proxy, the fake providers in tests);
   * without one, connections reach the providers' official hosts only. Empty by default; never tenant input.
   */
  PROVIDER_SYNC_TRUSTED_ORIGINS: trustedOriginsEnv,
  /** The UTC hour of the daily sync of every connection with sync enabled. */
  PROVIDER_SYNC_HOUR_UTC: z.coerce.number().int().min(0).max(23).default(3),
  /** Days re-pulled before the watermark on every sync (providers finalise late). */
  PROVIDER_SYNC_REPULL_DAYS: z.coerce.number().int().min(0).max(31).default(3),
  /** Days a connection's first sync reaches back. */
  PROVIDER_SYNC_INITIAL_DAYS: z.coerce.number().int().min(1).max(400).default(30),
  PROVIDER_SYNC_OUTBOUND_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** How long a command waits for the read models to apply its events before answering anyway. */
  PROVIDER_SYNC_READ_YOUR_WRITES_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
};

export interface ProviderSyncConfig extends DomainServiceConfig {
  PROVIDER_SYNC_TRUSTED_ORIGINS: string[];
  PROVIDER_SYNC_HOUR_UTC: number;
  PROVIDER_SYNC_REPULL_DAYS: number;
  PROVIDER_SYNC_INITIAL_DAYS: number;
  PROVIDER_SYNC_OUTBOUND_TIMEOUT_MS: number;
  PROVIDER_SYNC_READ_YOUR_WRITES_TIMEOUT_MS: number;
}
