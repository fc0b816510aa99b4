import { createParamDecorator, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { GatewayProblem } from './problem';

/**
 * Optimistic concurrency over HTTP (STYLE.md rule 4): a resource's `revision` is its ETag, and `If-Match` with
 * it makes an update apply only to that revision (409 otherwise).
 */
@Injectable()
export class EtagInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((body: unknown) => {
        const revision = (body as { revision?: unknown } | undefined)?.revision;
        if (typeof revision === 'number') void ctx.switchToHttp().getResponse<FastifyReply>().header('ETag', `"${revision}"`);
        return body;
      }),
    );
  }
}

/**
 * The revision named by If-Match (`"3"`, or `"-1"` for a resource still at its defaults, never written), undefined
 * when absent or `*`; 400 when it is not one of ours.
 */
export const IfMatch = createParamDecorator((_: unknown, ctx: ExecutionContext): number | undefined => {
  const header = ctx.switchToHttp().getRequest<FastifyRequest>().headers['if-match'];
  if (header === undefined || header === '*') return undefined;
  const match = /^"(-1|\d{1,9})"$/.exec(String(header).trim());
  if (!match) {
    throw new GatewayProblem(400, 'VALIDATION_FAILED', 'If-Match: must be an ETag of this API, e.g. "3"', [
      { field: '/headers/if-match', message: 'must be an ETag of this API, e.g. "3"' },
    ]);
  }
  return Number(match[1]);
});
