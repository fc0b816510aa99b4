import { type Ciphertext, type UserEvent, UserErrorCode } from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';
import { UserError } from './user.errors';

export type UserCommand =
  | { type: 'RegisterUser'; data: { userId: string; emailHash: string; email: Ciphertext; name: Ciphertext; at: string } }
  | { type: 'VerifyEmail'; data: { userId: string; method: 'verification-link' | 'invitation-link'; at: string } }
  /** The caller checked the password and that no organization is left without an owner (UserErasure). */
  | { type: 'EraseUser'; data: { userId: string; at: string } };

export interface UserState {
  registered: boolean;
  emailHash: string | null;
  emailVerified: boolean;
  erased: boolean;
}

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: () => ({ registered: false, emailHash: null, emailVerified: false, erased: false }),
  decide(command, state) {
    switch (command.type) {
      case 'RegisterUser': {
        const { data } = command;
        if (state.registered) throw new UserError(UserErrorCode.AlreadyRegistered, `user ${data.userId} is already registered`);
        return [
          {
            type: 'UserRegistered',
            data: { userId: data.userId, emailHash: data.emailHash, email: data.email, name: data.name, registeredAt: data.at },
          },
        ];
      }
      case 'VerifyEmail': {
        const { data } = command;
        if (!state.registered || state.erased) throw new UserError(UserErrorCode.NotFound, 'user not found');
        // Verified once is verified: a second link (an invitation's, a resent mail's) changes nothing.
        if (state.emailVerified) return [];
        return [
          { type: 'EmailVerified', data: { userId: data.userId, emailHash: state.emailHash!, method: data.method, verifiedAt: data.at } },
        ];
      }
      case 'EraseUser': {
        if (!state.registered) throw new UserError(UserErrorCode.NotFound, 'user not found');
        // Erased once is erased: a retry after a crash half-way finishes the rest without a second event.
        if (state.erased) return [];
        return [{ type: 'UserErased', data: { userId: command.data.userId, erasedAt: command.data.at } }];
      }
      default:
        return assertUnreachable(command);
    }
  },
  evolve: (state, event) => {
    switch (event.type) {
      case 'UserRegistered':
        return { registered: true, emailHash: event.data.emailHash, emailVerified: false, erased: false };
      case 'EmailVerified':
        return { ...state, emailVerified: true };
      case 'UserErased':
        // The hash stays in the state: a retried erasure still releases the address's claim.
        return { ...state, erased: true };
      default:
        return assertUnreachable(event);
    }
  },
};

const PASSWORD_MIN_LENGTH = 12;
/** argon2 hashes any length, but hashing megabytes per request is a denial of service. */
const PASSWORD_MAX_LENGTH = 256;

/** The password rule (OWASP ASVS 2.1): length, counted in characters, is what matters; no composition rules. */
export function assertPasswordPolicy(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH || password.trim().length === 0) {
    throw new UserError(
      UserErrorCode.PasswordPolicy,
      `the password must have ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
      [{ field: '/password', message: `must have ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters` }],
    );
  }
}

const DISPLAY_NAME_MAX = 100;

export function assertDisplayName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > DISPLAY_NAME_MAX) {
    throw new UserError(UserErrorCode.Invalid, `the name must have 1 to ${DISPLAY_NAME_MAX} characters`, [
      { field: '/name', message: `must have 1 to ${DISPLAY_NAME_MAX} characters` },
    ]);
  }
  return trimmed;
}
