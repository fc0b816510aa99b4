import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  providerSyncStreams,
  type ConnectionTestResult,
  type ProviderConnectionView,
  type RegisterProviderConnectionRequest,
  type RequestContext,
  type UpdateProviderConnectionRequest,
} from '@llmlab/contracts';
import { FieldErrors, isUuid, organizationScope } from '@llmlab/domain';
import { WriteEffects } from '@llmlab/messaging';
import type { OutboundClient } from '@llmlab/notifications';
import { CommandRunner, metadataFromContext } from '@llmlab/service-kit';
import { ProviderHttp, ProviderRequestError } from '../plugins/provider-http';
import { ProviderPluginRegistry, type ProviderPlugin } from '../plugins/provider-plugin';
import { connectionDecider, isProvider, type ConnectionState } from './connection.decider';
import { ConnectionsRepository } from './connections.repository';
import { CredentialsCipher } from './credentials.cipher';
import { connectionNotFound, credentialsRejected, invalidConnection, providerUnavailable } from './provider-sync.errors';

export const PROVIDER_OUTBOUND = Symbol('PROVIDER_OUTBOUND');

const actorOf = (context: RequestContext) => (context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:provider-sync');
const keyHint = (adminKey: string) => adminKey.slice(-4);

/**
 * Provider connections: the admin key is checked against the provider, sealed (never logged, returned or put in an
 * event in clear), and only the last 4 characters kept as a hint; `baseUrl` only for a trusted origin.
 */
@Injectable()
export class ConnectionsHandler {
  readonly http: ProviderHttp;

  constructor(
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects,
    private readonly repository: ConnectionsRepository,
    private readonly cipher: CredentialsCipher,
    private readonly plugins: ProviderPluginRegistry,
    @Inject(PROVIDER_OUTBOUND) private readonly outbound: OutboundClient,
  ) {
    this.http = new ProviderHttp(outbound);
  }

  async register(request: RegisterProviderConnectionRequest, context: RequestContext): Promise<ProviderConnectionView> {
    const scope = organizationScope(context);
    const errors = new FieldErrors();
    if (!isProvider(request.provider)) errors.add('/provider', 'must be openai or anthropic');
    const adminKey = this.checkKey(request.credentials, errors);
    if (!errors.empty || !isProvider(request.provider)) throw invalidConnection(errors.errors);
    const plugin = this.plugins.get(request.provider);
    const baseUrl = await this.checkBaseUrl(plugin, request.baseUrl);
    await this.validate(plugin, adminKey, baseUrl);
    const connectionId = randomUUID();
    const result = await this.runner.run(
      providerSyncStreams.connection(connectionId),
      connectionDecider,
      {
        type: 'RegisterConnection',
        data: {
          connectionId,
          organizationId: scope.organizationId,
          provider: request.provider,
          name: request.name,
          baseUrl,
          credentials: await this.cipher.seal(connectionId, adminKey),
          keyHint: keyHint(adminKey),
          mappings: request.mappings,
          syncEnabled: request.syncEnabled,
          actorId: actorOf(context),
          at: new Date().toISOString(),
        },
      },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position);
    return connectionView(result.state, result.revision, null);
  }

  async get(connectionId: unknown, context: RequestContext): Promise<ProviderConnectionView> {
    const scope = organizationScope(context);
    const view = isUuid(connectionId) ? await this.repository.view(scope.organizationId, connectionId) : null;
    if (!view) throw connectionNotFound();
    return view;
  }

  list(context: RequestContext): Promise<ProviderConnectionView[]> {
    return this.repository.list(organizationScope(context).organizationId);
  }

  async update(request: UpdateProviderConnectionRequest, context: RequestContext): Promise<ProviderConnectionView> {
    const scope = organizationScope(context);
    const current = await this.state(request.connectionId, scope.organizationId);
    let credentials: { sealed: Awaited<ReturnType<CredentialsCipher['seal']>>; keyHint: string } | undefined;
    if (request.credentials !== undefined) {
      const errors = new FieldErrors();
      const adminKey = this.checkKey(request.credentials, errors);
      if (!errors.empty) throw invalidConnection(errors.errors);
      await this.validate(this.plugins.get(current.provider!), adminKey, current.baseUrl);
      credentials = { sealed: await this.cipher.seal(current.connectionId, adminKey), keyHint: keyHint(adminKey) };
    }
    const result = await this.runner.run(
      providerSyncStreams.connection(current.connectionId),
      connectionDecider,
      {
        type: 'UpdateConnection',
        data: {
          organizationId: scope.organizationId,
          name: request.name,
          mappings: request.mappings,
          syncEnabled: request.syncEnabled,
          credentials,
          actorId: actorOf(context),
          at: new Date().toISOString(),
        },
      },
      { metadata: metadataFromContext(), expectedRevision: request.expectedRevision },
    );
    await this.effects.settle(result.position);
    // The imports, not this change, move syncedUntil: the read model's is current.
    const row = await this.repository.view(scope.organizationId, current.connectionId);
    return connectionView(result.state, result.revision, row?.syncedUntil ?? null);
  }

  /** The stored key checked with the provider as at registration, without changing anything. */
  async test(connectionId: unknown, context: RequestContext): Promise<ConnectionTestResult> {
    const state = await this.state(connectionId, organizationScope(context).organizationId);
    const plugin = this.plugins.get(state.provider!);
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    try {
      const accepted = await plugin.validateCredentials(this.http, { adminKey: await this.adminKey(state), baseUrl: state.baseUrl });
      return accepted
        ? { outcome: 'accepted', detail: null, durationMs: took() }
        : { outcome: 'rejected', detail: `${plugin.provider} refused the admin key`, durationMs: took() };
    } catch (err) {
      const detail = err instanceof ProviderRequestError ? err.message : `${plugin.provider} could not be reached`;
      return { outcome: 'unreachable', detail, durationMs: took() };
    }
  }

  async remove(connectionId: unknown, context: RequestContext): Promise<{ removed: true }> {
    const scope = organizationScope(context);
    const current = await this.state(connectionId, scope.organizationId);
    const result = await this.runner.run(
      providerSyncStreams.connection(current.connectionId),
      connectionDecider,
      { type: 'RemoveConnection', data: { organizationId: scope.organizationId, actorId: actorOf(context), at: new Date().toISOString() } },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position);
    return { removed: true };
  }

  async owner(connectionId: unknown): Promise<{ organizationId: string }> {
    if (!isUuid(connectionId)) throw connectionNotFound();
    const organizationId = await this.repository.owner(connectionId);
    if (!organizationId) throw connectionNotFound();
    return { organizationId };
  }

  /** The connection's folded state, for one organization only (another's is not found). */
  async state(connectionId: unknown, organizationId: string): Promise<ConnectionState> {
    if (!isUuid(connectionId)) throw connectionNotFound();
    const { state } = await this.runner.load(providerSyncStreams.connection(connectionId), connectionDecider);
    if (!state.exists || state.removed || state.organizationId !== organizationId) throw connectionNotFound();
    return state;
  }

  /** The clear admin key of a connection, for a sync: never logged nor returned. */
  adminKey(state: ConnectionState): Promise<string> {
    return this.cipher.open(state.connectionId, state.credentials!);
  }

  private checkKey(credentials: unknown, errors: FieldErrors): string {
    const key = (
      typeof credentials === 'object' && credentials !== null ? (credentials as { adminKey?: unknown }).adminKey : undefined
    ) as unknown;
    if (typeof key !== 'string' || key.length < 8 || key.length > 500 || /\s/.test(key)) {
      errors.add('/credentials/adminKey', 'credentials.adminKey must be the provider admin key (8 to 500 characters, no spaces)');
      return '';
    }
    return key;
  }

  /** A baseUrl is accepted only for an origin in PROVIDER_SYNC_TRUSTED_ORIGINS or the provider's official host. */
  private async checkBaseUrl(plugin: ProviderPlugin, baseUrl: unknown): Promise<string | null> {
    if (baseUrl === undefined || baseUrl === null) return null;
    const refuse = (message: string) => invalidConnection([{ field: '/baseUrl', message }]);
    if (typeof baseUrl !== 'string') throw refuse('must be a URL');
    const official = new URL(plugin.officialOrigin).hostname;
    const check = await this.outbound.checkUrl(baseUrl, {
      hosts: [official],
      path: /^\/?$/,
      description: `the ${plugin.provider} API origin (${plugin.officialOrigin}) or an origin the operator trusts`,
    });
    if (!check.ok) throw refuse(check.message);
    if (check.url.pathname !== '/' || check.url.search || check.url.hash) throw refuse('must be an origin (scheme://host[:port]) only');
    return check.url.origin;
  }

  private async validate(plugin: ProviderPlugin, adminKey: string, baseUrl: string | null): Promise<void> {
    let accepted: boolean;
    try {
      accepted = await plugin.validateCredentials(this.http, { adminKey, baseUrl });
    } catch (err) {
      throw providerUnavailable(err instanceof ProviderRequestError ? err.message : `${plugin.provider} could not be reached`);
    }
    if (!accepted) throw credentialsRejected();
  }
}

/** The answer to a change: the connection as the command left it (the read model has it too once settled). */
function connectionView(state: ConnectionState, revision: number, syncedUntil: string | null): ProviderConnectionView {
  return {
    connectionId: state.connectionId,
    organizationId: state.organizationId,
    provider: state.provider!,
    name: state.name,
    baseUrl: state.baseUrl,
    keyHint: state.keyHint,
    mappings: state.mappings,
    syncEnabled: state.syncEnabled,
    revision,
    createdAt: state.createdAt,
    syncedUntil,
  };
}
