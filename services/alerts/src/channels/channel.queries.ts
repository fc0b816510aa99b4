import type { ChannelList } from '@llmlab/contracts';
import type { OrganizationScope } from '../shared/tenancy';
import { channelView, type ChannelRepository } from './channel.repository';

export class ChannelQueries {
  constructor(private readonly channels: ChannelRepository) {}

  async list(tenant: OrganizationScope): Promise<ChannelList> {
    return { data: (await this.channels.active(tenant)).map(channelView) };
  }
}
