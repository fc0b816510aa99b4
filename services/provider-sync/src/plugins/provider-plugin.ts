import type { CostBucket, Provider, UsageBucket } from '@llmlab/contracts';
import type { ProviderHttp } from './provider-http';

/** What a plugin needs to reach one connection's provider account. Never logged. */
export interface ProviderAccess {
  adminKey: string;
  /** A trusted origin (checked at registration), or null for the provider's official host. */
  baseUrl: string | null;
}

/** `[from, to)`, whole UTC days. */
export interface DayRange {
  from: Date;
  to: Date;
}

/** One cost figure of a UTC day as the provider reports it, converted to a USD decimal string, not yet mapped to a project. */
export type ProviderCostRow = Omit<CostBucket, 'projectId' | 'currency'>;

/** One usage figure of a UTC day as the provider reports it, not yet mapped to a project. */
export type ProviderUsageRow = Omit<UsageBucket, 'projectId'>;

/** One page of a provider report; `cursor` is what fetched it (null: the first page), so a resumed run can go on. */
export interface ProviderPage<Row> {
  cursor: string | null;
  next: string | null;
  rows: Row[];
}

/**
 * One provider: how to check an admin key, and how to page through its cost and usage reports for a range of UTC
 * days. Plugins are pure translators of the provider's wire format; retries, the SSRF rules and the credentials'
 * secrecy are the `ProviderHttp`'s and the caller's.
 */
export interface ProviderPlugin {
  readonly provider: Provider;
  /** The official origin, used when the connection has no (trusted) `baseUrl`. */
  readonly officialOrigin: string;
  /** True when the provider accepts the key, false when it refuses it (401/403); throws when it cannot tell. */
  validateCredentials(http: ProviderHttp, access: ProviderAccess): Promise<boolean>;
  costs(http: ProviderHttp, access: ProviderAccess, range: DayRange): AsyncIterable<ProviderPage<ProviderCostRow>>;
  usage(http: ProviderHttp, access: ProviderAccess, range: DayRange): AsyncIterable<ProviderPage<ProviderUsageRow>>;
}

export const utcDay = (date: Date): string => date.toISOString().slice(0, 10);
export const originOf = (plugin: ProviderPlugin, access: ProviderAccess): string =>
  (access.baseUrl ?? plugin.officialOrigin).replace(/\/$/, '');

/** The plugins by provider; adding a provider is one plugin class and one entry here (docs/contributing.md). */
export class ProviderPluginRegistry {
  private readonly plugins = new Map<Provider, ProviderPlugin>();
  constructor(plugins: ProviderPlugin[]) {
    for (const plugin of plugins) this.plugins.set(plugin.provider, plugin);
  }
  get(provider: Provider): ProviderPlugin {
    const plugin = this.plugins.get(provider);
    if (!plugin) throw new Error(`no plugin for provider ${provider}`);
    return plugin;
  }
}
