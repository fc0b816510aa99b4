import type { Reply, RequestContext, RequestOf, ResponseOf, Subject } from '@llmlab/contracts';

/** Typed request/reply to the services, subjects prefixed for the deployment (the gateway's `ServiceClient`). */
export interface RequestClient {
  ask<S extends Subject<unknown, unknown>>(subject: S, payload: RequestOf<S>, context: RequestContext): Promise<Reply<ResponseOf<S>>>;
}
