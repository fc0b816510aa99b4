import type { LookupFunction } from 'node:net';
import { TtlCache } from '@llmlab/api-keys';
import type { ProxyProvider } from '@llmlab/contracts';
import { pinnedLookup, type OutboundClient } from '@llmlab/notifications';
import type { ProviderKeyCipher } from './provider-key.cipher';
import type { ProviderKeysRepository } from './provider-keys.repository';

/** Where a call goes with the project's stored key, and the key to send. */
export interface StoredUpstream {
  key: string;
  /** The stored base, or undefined for the operator's default of the provider. */
  baseUrl?: string;
  /** Connects to the address the SSRF check approved, whatever DNS says by then (stored bases only). */
  lookup?: LookupFunction;
}

export type StoredUpstreamResult =
  | { found: true; upstream: StoredUpstream }
  | { found: false }
  /** The stored base breaks the SSRF rules now (its name resolves elsewhere than at storing): not called. */
  | { found: true; refused: string };

/**
 * The project's stored provider key for a call, opened, and its base checked: kept in this process for
 * `ttlMs` (as resolved API keys are), so a replaced or removed key is out of use everywhere within that time.
 */
export class StoredUpstreams {
  private readonly cache: TtlCache<Promise<StoredUpstreamResult>>;

  constructor(
    private readonly repository: ProviderKeysRepository,
    private readonly cipher: ProviderKeyCipher,
    private readonly outbound: OutboundClient,
    ttlMs: number,
  ) {
    this.cache = new TtlCache(ttlMs);
  }

  resolve(projectId: string, provider: ProxyProvider): Promise<StoredUpstreamResult> {
    return this.cache.load(`${projectId}:${provider}`, () => this.load(projectId, provider));
  }

  private async load(projectId: string, provider: ProxyProvider): Promise<StoredUpstreamResult> {
    const row = await this.repository.sealed(projectId, provider);
    if (!row) return { found: false };
    const key = await this.cipher.open(row.providerKeyId, row.sealed);
    if (key === undefined) return { found: false };
    if (!row.baseUrl) return { found: true, upstream: { key } };
    const check = await this.outbound.checkUrl(row.baseUrl);
    if (!check.ok) return { found: true, refused: check.message };
    return { found: true, upstream: { key, baseUrl: row.baseUrl, lookup: pinnedLookup(check.addresses[0]) } };
  }
}
