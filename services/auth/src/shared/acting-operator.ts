import { SessionErrorCode, type RequestContext } from '@llmlab/contracts';
import { SessionError } from '../sessions/session.errors';

/**
 * The operator API is authenticated by the gateway (OPERATOR_API_TOKEN); the service still refuses any other actor,
 * so a tenant's request can never reach an operator command by another route. Answers the actor's id (`changedBy`).
 */
export function actingOperator(context: RequestContext): string {
  if (context.actor?.type !== 'operator')
    throw new SessionError(SessionErrorCode.Unauthenticated, 'this operation is for the platform operator');
  return context.actor.id;
}
