import type { ChannelList } from '@llmlab/contracts';
import { channelView, type ChannelRepository } from './channel.repository';
import { type OrganizationScope } from '@llmlab/domain';

export class ChannelQueries {
  constructor(private readonly channels: ChannelRepository) {}

  async list(tenant: OrganizationScope): Promise<ChannelList> {
    return { data: (await this.channels.active(tenant)).map(channelView) };
  }
}
