import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import {
  PROXY_PROVIDER_IDS,
  isProxyProvider,
  proxyStreams,
  type ProviderKeyRef,
  type ProviderKeyView,
  type RequestContext,
  type StoreProviderKeyRequest,
} from '@llmlab/contracts';
import { FieldErrors, projectScope } from '@llmlab/domain';
import { WriteEffects } from '@llmlab/messaging';
import type { OutboundClient } from '@llmlab/notifications';
import { CommandRunner, LOGGER, metadataFromContext } from '@llmlab/service-kit';
import { providerKeyDecider } from './provider-key.decider';
import { ProviderKeyCipher } from './provider-key.cipher';
import { invalidProviderKey, providerKeyNotFound } from '../proxy.errors';
import { ProviderKeysRepository } from './provider-keys.repository';

export const PROXY_OUTBOUND = Symbol('PROXY_OUTBOUND');

const actorOf = (context: RequestContext) => (context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:proxy');
/** Printable ASCII without spaces: what goes into an HTTP header as it is (no header injection). */
const KEY_SHAPE = /^[\x21-\x7e]{8,500}$/;

/**
 * A project's provider keys: checked (shape; `baseUrl` under the SSRF rules or a trusted origin), sealed (never
 * logged, returned or put in an event in clear), only the last 4 characters kept as a hint. Storing again replaces
 * the key; the replaced or removed key's data key is destroyed.
 */
@Injectable()
export class ProviderKeysHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects,
    private readonly repository: ProviderKeysRepository,
    private readonly cipher: ProviderKeyCipher,
    @Inject(PROXY_OUTBOUND) private readonly outbound: OutboundClient,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async store(request: StoreProviderKeyRequest, context: RequestContext): Promise<ProviderKeyView> {
    const scope = projectScope(context);
    const errors = new FieldErrors();
    if (!isProxyProvider(request.provider)) errors.add('/provider', `must be one of ${PROXY_PROVIDER_IDS.join(', ')}`);
    // An Azure OpenAI resource has its own address: there is no default to call.
    else if (request.provider === 'azure' && !request.baseUrl) {
      errors.add('/baseUrl', "is required for azure: the resource's OpenAI v1 address, https://<resource>.openai.azure.com/openai/v1");
    }
    if (typeof request.key !== 'string' || !KEY_SHAPE.test(request.key)) {
      errors.add('/key', 'must be the provider API key: 8 to 500 printable characters, no spaces');
    } else if (request.key.startsWith('llm_')) {
      errors.add('/key', "is an LLMLab API key: store the provider's own key");
    }
    if (!errors.empty) throw invalidProviderKey(errors.errors);
    const provider = request.provider;
    const baseUrl = await this.checkBaseUrl(request.baseUrl);

    const providerKeyId = uuidv7();
    const result = await this.runner.run(
      proxyStreams.providerKey(scope.projectId, provider),
      providerKeyDecider,
      {
        type: 'StoreProviderKey',
        data: {
          providerKeyId,
          organizationId: scope.organizationId,
          projectId: scope.projectId,
          provider,
          baseUrl,
          sealed: await this.cipher.seal(providerKeyId, request.key),
          keyHint: request.key.slice(-4),
          actorId: actorOf(context),
          at: new Date().toISOString(),
        },
      },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position);
    const stored = result.events[0];
    if (stored?.type === 'ProviderKeyStored') {
      if (stored.data.replacedProviderKeyId) await this.shred(stored.data.replacedProviderKeyId);
      const { baseUrl: url, keyHint, storedAt, storedBy } = stored.data;
      return { provider, baseUrl: url, keyHint, storedAt, storedBy };
    }
    throw new Error('storing a provider key appended no event');
  }

  list(context: RequestContext): Promise<ProviderKeyView[]> {
    return this.repository.list(projectScope(context));
  }

  async remove(request: ProviderKeyRef, context: RequestContext): Promise<Record<string, never>> {
    const scope = projectScope(context);
    if (!isProxyProvider(request.provider)) throw providerKeyNotFound();
    const result = await this.runner.run(
      proxyStreams.providerKey(scope.projectId, request.provider),
      providerKeyDecider,
      {
        type: 'RemoveProviderKey',
        data: { organizationId: scope.organizationId, actorId: actorOf(context), at: new Date().toISOString() },
      },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position);
    const removed = result.events[0];
    if (removed?.type === 'ProviderKeyRemoved') await this.shred(removed.data.providerKeyId);
    return {};
  }

  /**
   * Any public HTTPS base (`https://openrouter.ai/api/v1`, an Azure OpenAI resource), checked with DNS by the same
   * rules as webhooks; http, loopback and private addresses only for an origin in `PROXY_TRUSTED_ORIGINS`. The
   * data path checks it again before every connection and connects to the address it checked.
   */
  private async checkBaseUrl(baseUrl: unknown): Promise<string | null> {
    if (baseUrl === undefined || baseUrl === null) return null;
    const refuse = (message: string) => invalidProviderKey([{ field: '/baseUrl', message }]);
    if (typeof baseUrl !== 'string') throw refuse('must be a URL');
    const check = await this.outbound.checkUrl(baseUrl);
    if (!check.ok) throw refuse(check.message);
    if (check.url.search || check.url.hash) throw refuse('must have no query or fragment');
    return `${check.url.origin}${check.url.pathname.replace(/\/+$/, '')}`;
  }

  /** Destroys a replaced or removed key's data key: the event store's copies of it open no more. */
  private async shred(providerKeyId: string): Promise<void> {
    try {
      await this.cipher.destroy(providerKeyId);
    } catch (err) {
      // The key is no longer in the read model, so the proxy no longer uses it; its data key stays until the next try.
      this.logger.error({ err: (err as Error).message, providerKeyId }, 'destroying the data key of a provider key failed');
    }
  }
}
