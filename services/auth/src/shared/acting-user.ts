import { SessionErrorCode, type RequestContext } from '@llmlab/contracts';
import { SessionError } from '../sessions/session.errors';

/** The acting user; commands on identity data are for users, not API keys. */
export function actingUser(context: RequestContext): string {
  if (context.actor?.type !== 'user') throw new SessionError(SessionErrorCode.Unauthenticated, 'this operation needs a signed-in user');
  return context.actor.id;
}
