import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER, type BackgroundWorker } from '@llmlab/service-kit';
import { ChannelConfigCipher } from './channel-config.cipher';

/**
 * At start, moves the data keys of channels sealed before `alerts.channel_keys` existed into that table, so that a
 * master-key rotation reaches them; a channel whose key no configured master key opens is reported (it cannot
 * deliver) rather than stopping the service.
 */
@Injectable()
export class ChannelKeysWorker implements BackgroundWorker {
  readonly name = 'channel keys';

  constructor(
    private readonly cipher: ChannelConfigCipher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const unreadable = await this.cipher.adoptLegacyKeys();
    if (unreadable.length)
      this.logger.error({ channels: unreadable }, 'channel keys that no configured master key opens: those channels cannot deliver');
  }

  async stop(): Promise<void> {
    // Nothing runs after start.
  }
}
