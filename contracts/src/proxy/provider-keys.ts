import { defineSubject } from '../messaging';
import { streamName } from '../envelope';
import type { ProxyProvider } from './proxy-providers';

/**
 * A provider key sealed with libs/crypto (AES-256-GCM): the stored key's own data key, kept in the proxy's key table
 * and wrapped by the master key, encrypts the key bound to its id. `ciphertext` is base64url of iv | tag | ciphertext.
 * Removing or replacing the key destroys its data key, so the ciphertext left in the event store opens no more.
 */
export interface SealedProviderKey {
  algorithm: 'aes-256-gcm';
  ciphertext: string;
}

export type ProviderKeyEvent =
  | {
      type: 'ProviderKeyStored';
      data: {
        /** New on every store: a replaced key is another subject, whose data key is destroyed. */
        providerKeyId: string;
        organizationId: string;
        projectId: string;
        provider: ProxyProvider;
        /** The upstream base the proxy calls with this key; null: the operator's default for the provider. */
        baseUrl: string | null;
        sealed: SealedProviderKey;
        /** The key's last 4 characters, to tell keys apart. */
        keyHint: string;
        /** The key this one replaced (its data key is destroyed), or null. */
        replacedProviderKeyId: string | null;
        storedBy: string;
        storedAt: string;
      };
    }
  | {
      type: 'ProviderKeyRemoved';
      data: { providerKeyId: string; organizationId: string; projectId: string; provider: ProxyProvider; removedBy: string; at: string };
    };

export const proxyStreams = {
  /** One project's key for one provider: at most one at a time, replaced by storing again. */
  providerKey: (projectId: string, provider: ProxyProvider) => streamName('proxy', 'provider-key', `${projectId}-${provider}`),
};

export interface StoreProviderKeyRequest {
  provider: ProxyProvider;
  key: string;
  baseUrl?: string | null;
}

export interface ProviderKeyView {
  provider: ProxyProvider;
  baseUrl: string | null;
  /** The key's last 4 characters; the key itself is never returned. */
  keyHint: string;
  storedAt: string;
  storedBy: string;
}

export interface ProviderKeyRef {
  provider: string;
}

/** Provider keys of a project (the project is the request context's): owners and admins. */
export const proxySubjects = {
  storeProviderKey: defineSubject<StoreProviderKeyRequest, ProviderKeyView>('proxy.cmd.store-provider-key'),
  listProviderKeys: defineSubject<Record<string, never>, ProviderKeyView[]>('proxy.query.provider-keys'),
  removeProviderKey: defineSubject<ProviderKeyRef, Record<string, never>>('proxy.cmd.remove-provider-key'),
};

export enum ProxyErrorCode {
  /** A provider key request with a bad field (errors name it: `/provider`, `/key`, `/baseUrl`). */
  ProviderKeyInvalid = 'PROXY_PROVIDER_KEY_INVALID',
  /** The project has no stored key for that provider. */
  ProviderKeyNotFound = 'PROXY_PROVIDER_KEY_NOT_FOUND',
  /** A route request with a bad field (errors name it: `/model`, `/targets/1/provider`, `/timeoutMs`). */
  RouteInvalid = 'PROXY_ROUTE_INVALID',
  /** No such route in the project. */
  RouteNotFound = 'PROXY_ROUTE_NOT_FOUND',
  /** The project has `ROUTE_LIMITS.maxRoutesPerProject` routes. */
  RouteLimitReached = 'PROXY_ROUTE_LIMIT_REACHED',
  /** Applying a recommendation: the model and feature already have a route that does not apply it (edit that one). */
  RouteTaken = 'PROXY_ROUTE_TAKEN',
}

export const PROXY_ERROR_CODES: readonly ProxyErrorCode[] = Object.values(ProxyErrorCode);
