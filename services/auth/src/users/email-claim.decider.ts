import { type EmailClaimEvent, UserErrorCode } from '@llmlab/contracts';
import type { Decider } from '@llmlab/domain';
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

export interface EmailClaimState {
  holder: string | null;
  claimedAt: string | null;
}

export const emailClaimDecider: Decider<ClaimEmail, EmailClaimEvent, EmailClaimState> = {
  initialState: () => ({ holder: null, claimedAt: null }),

  decide({ data }, state) {
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
  },

  evolve: (_state, event) => ({ holder: event.data.userId, claimedAt: event.data.claimedAt }),
};
