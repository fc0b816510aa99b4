import type { EmailClaimEvent, UserEvent } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { ABANDONED_CLAIM_MS, emailClaimDecider } from './email-claim.decider';
import { assertDisplayName, assertPasswordPolicy, userDecider } from './user.decider';

const at = '2026-11-27T10:00:00.000Z';
const claimed: EmailClaimEvent = { type: 'EmailClaimed', data: { emailHash: 'h', userId: 'u-1', claimedAt: at } };
const claim = (userId: string, when: string, holderRegistered: boolean) =>
  ({ type: 'ClaimEmail', data: { emailHash: 'h', userId, at: when, holderRegistered } }) as const;

describe('email claim decider', () => {
  const spec = deciderSpec(emailClaimDecider);

  it('gives a free email to the first signup', () =>
    spec
      .given([])
      .when(claim('u-1', at, false))
      .then([claimed]));

  it('refuses an email held by a registered user', () =>
    spec
      .given([claimed])
      .when(claim('u-2', '2027-01-01T00:00:00.000Z', true))
      .thenThrows({ code: 'EMAIL_TAKEN', errors: [{ field: '/email' }] }));

  it('refuses an email whose signup may still be completing', () =>
    spec
      .given([claimed])
      .when(claim('u-2', at, false))
      .thenThrows({ code: 'EMAIL_TAKEN' }));

  it('takes over the claim of a signup that died half-way', () => {
    const later = new Date(Date.parse(at) + ABANDONED_CLAIM_MS).toISOString();
    spec
      .given([claimed])
      .when(claim('u-2', later, false))
      .then([{ type: 'EmailClaimed', data: { emailHash: 'h', userId: 'u-2', claimedAt: later } }]);
  });

  it('acknowledges its own holder again without a new event', () =>
    spec
      .given([claimed])
      .when(claim('u-1', at, false))
      .thenNothing());

  const release = (userId: string) => ({ type: 'ReleaseEmail', data: { emailHash: 'h', userId, at } }) as const;
  const released: EmailClaimEvent = { type: 'EmailReleased', data: { emailHash: 'h', userId: 'u-1', releasedAt: at } };

  it("is released by its holder's erasure, once", () => {
    spec.given([claimed]).when(release('u-1')).then([released]);
    spec.given([claimed, released]).when(release('u-1')).thenNothing();
  });

  it('is not released by anyone else', () => spec.given([claimed]).when(release('u-2')).thenNothing());

  it('gives a released email to a new signup at once', () =>
    spec
      .given([claimed, released])
      .when(claim('u-2', at, false))
      .then([{ type: 'EmailClaimed', data: { emailHash: 'h', userId: 'u-2', claimedAt: at } }]));
});

describe('user decider', () => {
  const spec = deciderSpec(userDecider);
  const registered: UserEvent = {
    type: 'UserRegistered',
    data: { userId: 'u-1', emailHash: 'h', email: 'c1', name: 'c2', registeredAt: at },
  };
  const register = { type: 'RegisterUser', data: { userId: 'u-1', emailHash: 'h', email: 'c1', name: 'c2', at } } as const;

  it('registers a user with ciphertexts only', () => spec.given([]).when(register).then([registered]));
  it('registers once', () => spec.given([registered]).when(register).thenThrows({ code: 'USER_ALREADY_REGISTERED' }));
  const verify = { type: 'VerifyEmail', data: { userId: 'u-1', method: 'verification-link', at } } as const;
  const verified: UserEvent = {
    type: 'EmailVerified',
    data: { userId: 'u-1', emailHash: 'h', method: 'verification-link', verifiedAt: at },
  };
  it('verifies the registered address once', () => spec.given([registered]).when(verify).then([verified]));
  it('changes nothing when the address is already verified', () => spec.given([registered, verified]).when(verify).thenNothing());
  it('refuses to verify a user that does not exist', () => spec.given([]).when(verify).thenThrows({ code: 'USER_NOT_FOUND' }));

  const erase = { type: 'EraseUser', data: { userId: 'u-1', at } } as const;
  const erased: UserEvent = { type: 'UserErased', data: { userId: 'u-1', erasedAt: at } };
  it('erases a registered user with ids only, once (a retry finishes without a second event)', () => {
    spec.given([registered, verified]).when(erase).then([erased]);
    spec.given([registered, erased]).when(erase).thenNothing();
  });
  it('refuses to erase a user that does not exist', () => spec.given([]).when(erase).thenThrows({ code: 'USER_NOT_FOUND' }));
  it('knows an erased user no more', () => spec.given([registered, erased]).when(verify).thenThrows({ code: 'USER_NOT_FOUND' }));
});

describe('password policy', () => {
  it('wants 12 to 256 characters, counted as characters', () => {
    expect(() => assertPasswordPolicy('elevenchars')).toThrow(expect.objectContaining({ code: 'PASSWORD_POLICY' }));
    expect(() => assertPasswordPolicy('twelve chars')).not.toThrow();
    expect(() => assertPasswordPolicy('🔒'.repeat(12))).not.toThrow();
    expect(() => assertPasswordPolicy('x'.repeat(257))).toThrow(
      expect.objectContaining({ errors: [{ field: '/password', message: expect.any(String) }] }),
    );
    expect(() => assertPasswordPolicy(' '.repeat(20))).toThrow();
  });

  it('wants a display name of 1 to 100 characters, trimmed', () => {
    expect(assertDisplayName('  Ada ')).toBe('Ada');
    expect(() => assertDisplayName('   ')).toThrow(expect.objectContaining({ code: 'USER_INVALID' }));
  });
});
