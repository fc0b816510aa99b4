import { createHash } from 'node:crypto';
import { randomSecretBytes } from '@llmlab/crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  apiKeyBodyFrom,
  authStreams,
  formatApiKey,
  parseApiKey,
  type ApiKeyEnvironment,
  type ApiKeyEvent,
  type ApiKeyRef,
  type CreateApiKeyRequest,
  type CreatedApiKey,
  type RequestContext,
  type Role,
  type AuthEvent,
} from '@llmlab/contracts';
import { metadataFromContext, CommandRunner, SERVICE_CONFIG } from '@llmlab/service-kit';
import { v7 as uuidv7 } from 'uuid';
import type { AuthConfig } from '../auth.config';
import { organizationDecider } from '../organizations/organization.decider';
import { projectDecider } from '../projects/project.decider';
import { projectNotFound } from '../projects/project.errors';
import { actingUser } from '../shared/acting-user';
import { WriteEffects } from '@llmlab/messaging';
import { apiKeyDecider } from './api-key.decider';
import { projectScope } from '@llmlab/domain';

@Injectable()
export class ApiKeyHandler {
  private readonly environment: ApiKeyEnvironment;

  constructor(
    @Inject(SERVICE_CONFIG) config: AuthConfig,
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects<AuthEvent>,
  ) {
    this.environment = config.API_KEY_ENVIRONMENT ?? (config.NODE_ENV === 'production' ? 'live' : 'test');
  }

  /** Makes the secret, records only its SHA-256 and public prefix, and returns the secret this once. */
  async create(request: CreateApiKeyRequest, context: RequestContext): Promise<CreatedApiKey> {
    const scope = projectScope(context);
    const actorId = actingUser(context);
    const { state: project } = await this.runner.load(authStreams.project(scope.projectId), projectDecider);
    if (project.organizationId !== scope.organizationId) throw projectNotFound();
    const key = formatApiKey(this.environment, apiKeyBodyFrom(randomSecretBytes(64)));
    const prefix = parseApiKey(key)!.prefix;
    const apiKeyId = uuidv7();
    const at = new Date().toISOString();
    const expiresAt = request.expiresAt ? new Date(request.expiresAt).toISOString() : null;
    const result = await this.runner.run(
      authStreams.apiKey(apiKeyId),
      apiKeyDecider,
      {
        type: 'CreateApiKey',
        data: {
          apiKeyId,
          organizationId: scope.organizationId,
          projectId: scope.projectId,
          projectArchived: project.archivedAt !== null,
          name: request.name,
          prefix,
          hash: createHash('sha256').update(key).digest('hex'),
          scopes: request.scopes,
          expiresAt,
          actorId,
          actorRole: await this.roleIn(scope.organizationId, actorId),
          at,
        },
      },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position, result.events);
    const created = result.events.find((e): e is Extract<ApiKeyEvent, { type: 'ApiKeyCreated' }> => e.type === 'ApiKeyCreated')!.data;
    return {
      id: apiKeyId,
      organizationId: scope.organizationId,
      projectId: scope.projectId,
      name: created.name,
      prefix,
      scopes: created.scopes,
      createdAt: at,
      createdBy: actorId,
      expiresAt,
      revokedAt: null,
      lastUsedAt: null,
      key,
    };
  }

  async revoke(request: ApiKeyRef, context: RequestContext): Promise<Record<string, never>> {
    const scope = projectScope(context);
    const actorId = actingUser(context);
    const result = await this.runner.run(
      authStreams.apiKey(request.apiKeyId),
      apiKeyDecider,
      {
        type: 'RevokeApiKey',
        data: {
          projectId: scope.projectId,
          actorId,
          actorRole: await this.roleIn(scope.organizationId, actorId),
          at: new Date().toISOString(),
        },
      },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position, result.events);
    return {};
  }

  private async roleIn(organizationId: string, userId: string): Promise<Role | null> {
    const { state } = await this.runner.load(authStreams.organization(organizationId), organizationDecider);
    return state.members[userId] ?? null;
  }
}
