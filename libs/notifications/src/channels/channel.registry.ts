import type { OutboundClient } from '../outbound/outbound-client';
import { DiscordChannel } from './discord.channel';
import type { NotificationChannel } from './notification-channel';
import { SlackChannel } from './slack.channel';
import { WebhookChannel } from './webhook.channel';

export type ChannelClass = new (client: OutboundClient) => NotificationChannel;

/** The one list of channel types: a new channel is a class written once and added here. */
export const BUILT_IN_CHANNELS: readonly ChannelClass[] = [SlackChannel, DiscordChannel, WebhookChannel];

export class ChannelRegistry {
  private readonly byType = new Map<string, NotificationChannel>();

  constructor(channels: readonly NotificationChannel[]) {
    for (const channel of channels) {
      if (this.byType.has(channel.type)) throw new Error(`two channels claim the type "${channel.type}"`);
      this.byType.set(channel.type, channel);
    }
  }

  get(type: string): NotificationChannel | undefined {
    return this.byType.get(type);
  }

  types(): string[] {
    return [...this.byType.keys()];
  }
}

/** Every channel shares one client, so one policy (trusted origins, timeouts) governs all outbound traffic. */
export function createChannelRegistry(client: OutboundClient, classes: readonly ChannelClass[] = BUILT_IN_CHANNELS) {
  return new ChannelRegistry(classes.map((Channel) => new Channel(client)));
}
