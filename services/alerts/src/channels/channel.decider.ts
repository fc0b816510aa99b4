import { CHANNEL_LIMITS, type ChannelEvent, type ChannelType, type SealedChannelConfig, ChannelErrorCode } from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';
import { ChannelError, channelNotFound, invalidChannel } from './channel.errors';

interface Actor {
  organizationId: string;
  actorId: string;
  at: string;
}

export type ChannelCommand =
  | {
      type: 'AddChannel';
      /**
       * The handler has checked the configuration with the channel class (shape, official host, SSRF with DNS)
       * and sealed it: a decider does no I/O and never sees a secret.
       */
      data: Actor & {
        channelId: string;
        channelType: ChannelType;
        name: unknown;
        description: string;
        config: SealedChannelConfig;
        existingChannels: number;
      };
    }
  | { type: 'RemoveChannel'; data: Actor };

export interface ChannelState {
  id: string | null;
  organizationId: string | null;
  type: ChannelType | null;
  name: string;
  removed: boolean;
}

const initialState = (): ChannelState => ({ id: null, organizationId: null, type: null, name: '', removed: false });

function decide(command: ChannelCommand, state: ChannelState): ChannelEvent[] {
  switch (command.type) {
    case 'AddChannel': {
      const d = command.data;
      if (state.id) throw new ChannelError(ChannelErrorCode.AlreadyExists, `channel ${d.channelId} exists`);
      const name = typeof d.name === 'string' ? d.name.trim() : '';
      if (!name || name.length > CHANNEL_LIMITS.maxNameLength) {
        throw invalidChannel([{ field: '/name', message: `must have 1 to ${CHANNEL_LIMITS.maxNameLength} characters` }]);
      }
      if (d.existingChannels >= CHANNEL_LIMITS.maxChannelsPerOrganization) {
        throw new ChannelError(
          ChannelErrorCode.LimitReached,
          `an organization has at most ${CHANNEL_LIMITS.maxChannelsPerOrganization} channels`,
        );
      }
      return [
        {
          type: 'ChannelAdded',
          data: {
            channelId: d.channelId,
            organizationId: d.organizationId,
            type: d.channelType,
            name,
            description: d.description,
            config: d.config,
            addedBy: d.actorId,
            addedAt: d.at,
          },
        },
      ];
    }
    case 'RemoveChannel': {
      const { organizationId, actorId, at } = command.data;
      if (!state.id || state.removed || state.organizationId !== organizationId) throw channelNotFound();
      return [{ type: 'ChannelRemoved', data: { channelId: state.id, organizationId, removedBy: actorId, removedAt: at } }];
    }
    default:
      return assertUnreachable(command);
  }
}

function evolve(state: ChannelState, event: ChannelEvent): ChannelState {
  switch (event.type) {
    case 'ChannelAdded':
      return {
        id: event.data.channelId,
        organizationId: event.data.organizationId,
        type: event.data.type,
        name: event.data.name,
        removed: false,
      };
    case 'ChannelRemoved':
      return { ...state, removed: true };
    default:
      return assertUnreachable(event);
  }
}

export const channelDecider: Decider<ChannelCommand, ChannelEvent, ChannelState> = { decide, evolve, initialState };
