import { Injectable } from '@nestjs/common';
import type { ChannelList } from '@llmlab/contracts';
import { channelView, ChannelRepository } from './channel.repository';
import { type OrganizationScope } from '@llmlab/domain';

@Injectable()
export class ChannelQueries {
  constructor(private readonly channels: ChannelRepository) {}

  async list(tenant: OrganizationScope): Promise<ChannelList> {
    return { data: (await this.channels.active(tenant)).map(channelView) };
  }
}
