import type { ChannelEvent } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { channelDecider, type ChannelCommand } from './channel.decider';

const spec = deciderSpec(channelDecider);
const ORG = '0192f3a1-0000-7000-8000-000000000001';
const CHANNEL = '0192f3a1-0000-7000-8000-0000000000cc';
const at = '2025-06-18T09:00:00.000Z';
const sealed = { algorithm: 'aes-256-gcm' as const, ciphertext: 'c2VhbGVk' };

const add = (name: unknown, existingChannels = 0): ChannelCommand => ({
  type: 'AddChannel',
  data: {
    channelId: CHANNEL,
    organizationId: ORG,
    actorId: 'user:u1',
    at,
    channelType: 'slack',
    name,
    description: 'Slack incoming webhook https://hooks.slack.com/services/…',
    config: sealed,
    existingChannels,
  },
});
const added: ChannelEvent = {
  type: 'ChannelAdded',
  data: {
    channelId: CHANNEL,
    organizationId: ORG,
    type: 'slack',
    name: '#alerts',
    description: 'Slack incoming webhook https://hooks.slack.com/services/…',
    config: sealed,
    addedBy: 'user:u1',
    addedAt: at,
  },
};
const remove = (organizationId = ORG): ChannelCommand => ({ type: 'RemoveChannel', data: { organizationId, actorId: 'user:u2', at } });

describe('channel decider', () => {
  it('adds a channel with its sealed configuration and description only', () => {
    spec.given([]).when(add(' #alerts ')).then([added]);
  });

  it('refuses a nameless channel, and one past the limit', () => {
    spec
      .given([])
      .when(add('  '))
      .thenThrows({ code: 'CHANNEL_INVALID', errors: [{ field: '/name' }] });
    spec.given([]).when(add('#alerts', 50)).thenThrows({ code: 'CHANNEL_LIMIT_REACHED' });
  });

  it('removes a channel once; another organization, or a second removal, is not found', () => {
    spec
      .given([added])
      .when(remove())
      .then([{ type: 'ChannelRemoved', data: { channelId: CHANNEL, organizationId: ORG, removedBy: 'user:u2', removedAt: at } }]);
    spec.given([added]).when(remove('0192f3a1-0000-7000-8000-000000000002')).thenThrows({ code: 'CHANNEL_NOT_FOUND' });
    spec
      .given([added, { type: 'ChannelRemoved', data: { channelId: CHANNEL, organizationId: ORG, removedBy: 'user:u2', removedAt: at } }])
      .when(remove())
      .thenThrows({ code: 'CHANNEL_NOT_FOUND' });
  });
});
