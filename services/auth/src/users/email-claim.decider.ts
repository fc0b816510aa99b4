import { type EmailClaimEvent, UserErrorCode } from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';
import { UserError } from './user.errors';

/**
 * One account per email, enforced on the write side: the stream `auth.email-<keyed hash>` is claimed by the
 * first signup (appended at `no_stream`). A claim whose user never got registered (the signup died half-way)
 * can be taken over once it is old enough that no signup can still be completing it.
 */
export const ABANDONED_CLAIM_MS = 5 * 60_000;

export type ClaimEmail = {
  type: 'ClaimEmail';
  data: { emailHash: string; userId: string; at: string; holderRegistered: boolean };
};

/** The holder was erased: the address is free again (for whoever proves it by signing up with it). */
export type ReleaseEmail = { type: 'ReleaseEmail'; data: { emailHash: string; userId: string; at: string } };

export type EmailClaimCommand = ClaimEmail | ReleaseEmail;

export interface EmailClaimState {
  holder: string | null;
  claimedAt: string | null;
}

function claim({ data }: ClaimEmail, state: EmailClaimState): EmailClaimEvent[] {
  const claimed: EmailClaimEvent[] = [
    { type: 'EmailClaimed', data: { emailHash: data.emailHash, userId: data.userId, claimedAt: data.at } },
  ];
  if (state.holder === null) return claimed;
  if (state.holder === data.userId) return [];
  const abandoned = !data.holderRegistered && Date.parse(data.at) - Date.parse(state.claimedAt!) >= ABANDONED_CLAIM_MS;
  if (abandoned) return claimed;
  throw new UserError(UserErrorCode.EmailTaken, 'an account with this email already exists', [
    { field: '/email', message: 'already registered' },
  ]);
}

export const emailClaimDecider: Decider<EmailClaimCommand, EmailClaimEvent, EmailClaimState> = {
  initialState: () => ({ holder: null, claimedAt: null }),

  decide(command, state) {
    switch (command.type) {
      case 'ClaimEmail':
        return claim(command, state);
      case 'ReleaseEmail': {
        // Only the holder's erasure releases it: a late retry after someone else claimed the address changes nothing.
        if (state.holder !== command.data.userId) return [];
        const { emailHash, userId, at } = command.data;
        return [{ type: 'EmailReleased', data: { emailHash, userId, releasedAt: at } }];
      }
      default:
        return assertUnreachable(command);
    }
  },

  evolve: (_state, event) => {
    switch (event.type) {
      case 'EmailClaimed':
        return { holder: event.data.userId, claimedAt: event.data.claimedAt };
      case 'EmailReleased':
        return { holder: null, claimedAt: null };
      default:
        return assertUnreachable(event);
    }
  },
};
