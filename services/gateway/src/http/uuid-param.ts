import { ParseUUIDPipe } from '@nestjs/common';
import { GatewayProblem } from './problem';

/** A path id that must be a UUID, refused like any other bad input: 400 naming the parameter. */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      new GatewayProblem(400, 'VALIDATION_FAILED', `/${name}: must be a UUID`, [{ field: `/${name}`, message: 'must be a UUID' }]),
  });
}
