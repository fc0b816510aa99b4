import { Inject, Injectable } from '@nestjs/common';
import { authStreams } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { EVENT_STORE, CommandRunner } from '@llmlab/service-kit';
import { emailClaimDecider, type EmailClaimState } from './email-claim.decider';

/** Who holds an email, read from the write side (the claim stream), so there is no projection lag. */
@Injectable()
export class EmailClaims {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly runner: CommandRunner,
  ) {}

  async current(emailHash: string): Promise<{ state: EmailClaimState; holderRegistered: boolean }> {
    const { state } = await this.runner.load(authStreams.emailClaim(emailHash), emailClaimDecider);
    const holderRegistered =
      state.holder !== null && (await this.store.readStream(authStreams.user(state.holder), { maxCount: 1 })).length > 0;
    return { state, holderRegistered };
  }

  /** The registered user with this email, if any. */
  async registeredUser(emailHash: string): Promise<string | null> {
    const { state, holderRegistered } = await this.current(emailHash);
    return holderRegistered ? state.holder : null;
  }
}
