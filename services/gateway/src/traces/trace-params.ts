import type { PipeTransform } from '@nestjs/common';
import { USAGE_LIMITS } from '@llmlab/contracts';
import { GatewayProblem } from '../http/problem';

/** A path id checked before it travels: 400 naming the parameter, like a bad query field. */
class PathIdPipe implements PipeTransform<string, string> {
  constructor(
    private readonly name: string,
    private readonly pattern: RegExp,
    private readonly message: string,
  ) {}

  transform(value: string): string {
    if (this.pattern.test(value)) return value;
    throw new GatewayProblem(400, 'VALIDATION_FAILED', `/${this.name}: ${this.message}`, [
      { field: `/${this.name}`, message: this.message },
    ]);
  }
}

export const traceIdParam = () => new PathIdPipe('traceId', /^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters');
export const sessionIdParam = () =>
  new PathIdPipe(
    'sessionId',
    new RegExp(`^[^\\u0000-\\u001f]{1,${USAGE_LIMITS.maxStringLength}}$`),
    `must be 1 to ${USAGE_LIMITS.maxStringLength} characters, no control characters`,
  );
