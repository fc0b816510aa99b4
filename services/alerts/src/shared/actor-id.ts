import type { RequestContext } from '@llmlab/contracts';

/** Who acted, for the `...By` fields of events: a user or an API key id, or the system. */
export function actorId(context: RequestContext): string {
  return context.actor ? `${context.actor.type}:${context.actor.id}` : 'system:alerts';
}
