import type { SessionEvent, SessionRevocationReason } from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';
import { invalidRefreshToken } from './session.errors';

/**
 * A session is one refresh-token family. The tokens (hashed) live in a table, which is what makes rotation
 * atomic; the stream records what happened to the session for the audit log.
 */
export type SessionCommand =
  | { type: 'StartSession'; data: { sessionId: string; userId: string; method: 'signup' | 'login'; at: string } }
  | { type: 'RecordRefresh'; data: { at: string } }
  | { type: 'RevokeSession'; data: { reason: SessionRevocationReason; at: string } };

export interface SessionState {
  id: string | null;
  userId: string | null;
  revoked: boolean;
}

const initialState = (): SessionState => ({ id: null, userId: null, revoked: false });

function decide(command: SessionCommand, state: SessionState): SessionEvent[] {
  switch (command.type) {
    case 'StartSession': {
      if (state.id) return [];
      const { sessionId, userId, method, at } = command.data;
      const started: SessionEvent = { type: 'SessionStarted', data: { sessionId, userId, method, startedAt: at } };
      // A signup starts a session too, but only a login is the security event the audit log filters on.
      if (method === 'signup') return [started];
      return [started, { type: 'UserLoggedIn', data: { sessionId, userId, loggedInAt: at } }];
    }
    case 'RecordRefresh':
      if (!state.id || state.revoked) throw invalidRefreshToken();
      return [{ type: 'SessionRefreshed', data: { sessionId: state.id, userId: state.userId!, refreshedAt: command.data.at } }];
    case 'RevokeSession':
      if (!state.id || state.revoked) return [];
      return [
        {
          type: 'SessionRevoked',
          data: { sessionId: state.id, userId: state.userId!, reason: command.data.reason, revokedAt: command.data.at },
        },
      ];
    default:
      return assertUnreachable(command);
  }
}

function evolve(state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case 'SessionStarted':
      return { id: event.data.sessionId, userId: event.data.userId, revoked: false };
    case 'UserLoggedIn':
    case 'SessionRefreshed':
      return state;
    case 'SessionRevoked':
      return { ...state, revoked: true };
    default:
      return assertUnreachable(event);
  }
}

export const sessionDecider: Decider<SessionCommand, SessionEvent, SessionState> = { decide, evolve, initialState };
