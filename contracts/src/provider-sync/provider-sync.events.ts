import { streamName } from '../envelope';
import type { ReconciliationEvent, ReconciliationSettingsEvent } from './reconciliation.events';

/** The providers a connection may be made to (one `ProviderPlugin` each). */
export const PROVIDERS = ['openai', 'anthropic'] as const;
export type Provider = (typeof PROVIDERS)[number];

/**
 * AES-256-GCM envelope encryption of a connection's credentials (libs/crypto): the connection's data key (kept in the
 * service's key table, wrapped by the master key) encrypts `{ adminKey }` bound to the connection id. `ciphertext` is
 * base64url of iv | tag | ciphertext. Events never carry a credential in clear; `keyHint` is its last 4 characters.
 */
export interface SealedCredentials {
  algorithm: 'aes-256-gcm';
  ciphertext: string;
}

/** An external project (OpenAI) or workspace (Anthropic) id mapped to an LLMLab project of the organization. */
export interface ProjectMapping {
  externalId: string;
  projectId: string;
}

export type ProviderConnectionEvent =
  | {
      type: 'ProviderConnectionRegistered';
      data: {
        connectionId: string;
        organizationId: string;
        provider: Provider;
        name: string;
        /** Only an origin listed in `PROVIDER_SYNC_TRUSTED_ORIGINS`; absent: the provider's official host. */
        baseUrl: string | null;
        credentials: SealedCredentials;
        keyHint: string;
        mappings: ProjectMapping[];
        syncEnabled: boolean;
        registeredBy: string;
        registeredAt: string;
      };
    }
  | { type: 'ProviderConnectionRenamed'; data: { connectionId: string; organizationId: string; name: string; at: string } }
  | {
      type: 'ProviderConnectionCredentialsRotated';
      data: {
        connectionId: string;
        organizationId: string;
        credentials: SealedCredentials;
        keyHint: string;
        rotatedBy: string;
        at: string;
      };
    }
  | {
      type: 'ProviderConnectionMappingsChanged';
      data: { connectionId: string; organizationId: string; mappings: ProjectMapping[]; at: string };
    }
  | {
      type: 'ProviderConnectionSyncEnabledChanged';
      data: { connectionId: string; organizationId: string; syncEnabled: boolean; at: string };
    }
  | { type: 'ProviderConnectionRemoved'; data: { connectionId: string; organizationId: string; removedBy: string; at: string } };

export const SYNC_TRIGGERS = ['manual', 'schedule'] as const;
export type SyncTrigger = (typeof SYNC_TRIGGERS)[number];

/**
 * Identity of one imported cost bucket: two imports of the same identity are the same figure (a re-sync appends
 * nothing when the amount is unchanged, a `ProviderCostsCorrected` when it changed).
 */
export interface CostBucketKey {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  /** OpenAI project id or Anthropic workspace id; null when the provider gives none. */
  externalProjectId: string | null;
  model: string | null;
  lineItem: string | null;
}

export interface CostBucket extends CostBucketKey {
  /** The mapped LLMLab project at import time, or null. */
  projectId: string | null;
  /** Decimal string in USD (Anthropic's cents converted exactly). */
  amount: string;
  currency: 'USD';
}

export interface CostCorrection extends CostBucket {
  previousAmount: string;
}

export interface UsageBucket {
  day: string;
  externalProjectId: string | null;
  projectId: string | null;
  model: string | null;
  /** `completions`, `embeddings` (OpenAI) or `messages` (Anthropic). */
  kind: string;
  /** In the platform's convention (`UsageCounts`): every input token, the cached ones included. */
  inputTokens: number;
  /** Part of `inputTokens` read from the prompt cache. */
  outputTokens: number;
  cachedInputTokens: number;
  requests: number;
}

/**
 * A sync run of one connection (its own stream): started, then per fetched batch the new and the corrected buckets,
 * then completed or failed. A run that crashed is resumed by the next start of the service from its stream; the
 * buckets it already imported are not imported again (the bucket identity is checked against the folded state).
 */
export type ProviderSyncEvent =
  | {
      type: 'ProviderSyncRunStarted';
      data: {
        runId: string;
        connectionId: string;
        organizationId: string;
        provider: Provider;
        /** `[from, to)`, whole UTC days, ISO instants. */
        from: string;
        to: string;
        trigger: SyncTrigger;
        startedAt: string;
      };
    }
  | {
      type: 'ProviderCostsImported';
      data: { runId: string; connectionId: string; organizationId: string; provider: Provider; page: number; buckets: CostBucket[] };
    }
  | {
      type: 'ProviderCostsCorrected';
      data: { runId: string; connectionId: string; organizationId: string; provider: Provider; page: number; buckets: CostCorrection[] };
    }
  | {
      type: 'ProviderUsageImported';
      data: { runId: string; connectionId: string; organizationId: string; provider: Provider; page: number; buckets: UsageBucket[] };
    }
  | {
      type: 'ProviderSyncRunCompleted';
      data: {
        runId: string;
        connectionId: string;
        organizationId: string;
        pagesFetched: number;
        rowsImported: number;
        completedAt: string;
      };
    }
  | {
      type: 'ProviderSyncRunFailed';
      data: {
        runId: string;
        connectionId: string;
        organizationId: string;
        pagesFetched: number;
        rowsImported: number;
        error: string;
        failedAt: string;
      };
    };

/** Every event the provider-sync service appends (subject `events.provider-sync.<Type>`): what its projection folds. */
export type ProviderSyncContextEvent = ProviderConnectionEvent | ProviderSyncEvent | ReconciliationEvent | ReconciliationSettingsEvent;

export const providerSyncStreams = {
  connection: (connectionId: string) => streamName('provider-sync', 'connection', connectionId),
  /** The imports of one connection: runs and every bucket ever imported (its state is the bucket figures). */
  imports: (connectionId: string) => streamName('provider-sync', 'imports', connectionId),
};
