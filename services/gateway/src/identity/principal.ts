import type { ApiKeyCandidate, RequestContext } from '@llmlab/contracts';

/** Who is calling: a user (from a verified access token) or an API key (found and compared by hash). */
export type Principal = { type: 'user'; userId: string } | { type: 'api_key'; key: ApiKeyCandidate };

/** What the identity guard leaves on the request for the controllers: the context to forward to services. */
export interface RequestIdentity {
  principal?: Principal;
  context: RequestContext;
}

declare module 'fastify' {
  interface FastifyRequest {
    identity?: RequestIdentity;
  }
}
