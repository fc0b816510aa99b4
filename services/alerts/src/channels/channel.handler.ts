import { v7 as uuidv7 } from 'uuid';
import {
  alertsStreams,
  CHANNEL_TYPES,
  type ChannelRef,
  type ChannelTestResult,
  type ChannelType,
  type CreateChannelRequest,
  type CreatedChannel,
  type RequestContext,
} from '@llmlab/contracts';
import { deliver, generateWebhookSecret, type ChannelRegistry } from '@llmlab/notifications';
import { metadataFromContext, type CommandRunner } from '@llmlab/service-kit';
import type { ChannelConfigCipher } from '../crypto/channel-config.cipher';
import type { DirectoryRepository } from '../read-models/directory.repository';
import type { SettingsRepository } from '../settings/settings.repository';
import { actorId } from '../shared/actor-id';
import { isRecord } from '../shared/validation';
import type { WriteEffects } from '@llmlab/messaging';
import { channelDecider } from './channel.decider';
import { channelNotFound, invalidChannel } from './channel.errors';
import { channelView, type ChannelRepository } from './channel.repository';
import { testNotification } from './test-notification';
import { organizationScope, isUuid } from '@llmlab/domain';

export class ChannelHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects,
    private readonly channels: ChannelRepository,
    private readonly registry: ChannelRegistry,
    private readonly cipher: ChannelConfigCipher,
    private readonly settings: SettingsRepository,
    private readonly directory: DirectoryRepository,
    private readonly appUrl: string,
  ) {}

  /**
   * Checks the configuration with its channel class (shape, official host, SSRF rules with DNS), seals it, and
   * records the channel. A webhook without a secret gets one, returned this once.
   */
  async create(request: CreateChannelRequest, context: RequestContext): Promise<CreatedChannel> {
    const tenant = organizationScope(context);
    const type = request.type as ChannelType;
    const channel = CHANNEL_TYPES.includes(type) ? this.registry.get(type) : undefined;
    if (!channel) throw invalidChannel([{ field: '/type', message: `must be one of ${CHANNEL_TYPES.join(', ')}` }]);
    let config: unknown = request.config;
    let signingSecret: string | undefined;
    if (type === 'webhook' && isRecord(config) && config.secret === undefined) {
      signingSecret = generateWebhookSecret();
      config = { ...config, secret: signingSecret };
    }
    const checked = await channel.validateConfig(config);
    if (!checked.ok)
      throw invalidChannel(checked.errors.map((e) => ({ field: `/config${e.field === '/' ? '' : e.field}`, message: e.message })));

    const channelId = uuidv7();
    const result = await this.runner.run(
      alertsStreams.channel(channelId),
      channelDecider,
      {
        type: 'AddChannel',
        data: {
          channelId,
          organizationId: tenant.organizationId,
          actorId: actorId(context),
          at: new Date().toISOString(),
          channelType: type,
          name: request.name,
          description: channel.describe(checked.config),
          config: await this.cipher.seal(channelId, checked.config),
          existingChannels: await this.channels.count(tenant),
        },
      },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position);
    const stored = await this.channels.find(tenant, channelId);
    if (!stored) throw channelNotFound();
    return { ...channelView(stored), ...(signingSecret ? { signingSecret } : {}) };
  }

  async delete(request: ChannelRef, context: RequestContext): Promise<Record<string, never>> {
    const tenant = organizationScope(context);
    if (!isUuid(request.channelId)) throw channelNotFound();
    const result = await this.runner.run(
      alertsStreams.channel(request.channelId),
      channelDecider,
      { type: 'RemoveChannel', data: { organizationId: tenant.organizationId, actorId: actorId(context), at: new Date().toISOString() } },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position);
    return {};
  }

  /** One attempt with a sample alert, right now and without retries: the answer says what the receiver said. */
  async test(request: ChannelRef, context: RequestContext): Promise<ChannelTestResult> {
    const tenant = organizationScope(context);
    const stored = await this.channels.find(tenant, request.channelId);
    const channel = stored && this.registry.get(stored.type);
    if (!stored || !channel) throw channelNotFound();
    const opened = await this.cipher.open(stored.id, stored.config);
    if (!opened.ok) {
      return {
        outcome: 'permanent',
        reason: 'invalid-config',
        httpStatus: null,
        detail: 'the stored configuration cannot be decrypted with the master key',
        durationMs: null,
      };
    }
    const now = new Date();
    const testId = uuidv7();
    const notification = testNotification({
      organization: { id: tenant.organizationId, name: await this.directory.organizationName(tenant) },
      channelName: stored.name,
      timeZone: (await this.settings.get(tenant)).timeZone,
      appUrl: this.appUrl,
      now,
      testId,
    });
    const result = await deliver({ channel, config: opened.config }, notification, {
      idempotencyKey: `test-${testId}:${stored.id}`,
      attempt: 1,
      now,
    });
    return {
      outcome: result.outcome,
      reason: result.outcome === 'delivered' ? null : result.reason,
      httpStatus: result.httpStatus ?? null,
      detail: result.detail,
      durationMs: result.outcome === 'delivered' ? result.durationMs : null,
    };
  }
}
