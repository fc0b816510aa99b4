import { ValidationError, ValidationPipe } from '@nestjs/common';
import type { FieldError } from '@llmlab/contracts';
import { GatewayProblem } from './problem';

/** class-validator's nested errors as a flat list of JSON-pointer fields: `/events/3/model: must be a string`. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = `${parent}/${e.property}`;
    // class-validator starts messages with the property's name ("property role should not exist"); the field says it.
    const prefix = new RegExp(`^(property )?${e.property.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `);
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message: message.replace(prefix, '') }));
    return [...own, ...fieldErrors(e.children ?? [], field)];
  });
}

/**
 * Validates every body, query and path DTO. Unknown properties are refused, not dropped: a client that sends
 * `role` or `organizationId` where they do not belong learns it at once (and mass assignment cannot happen).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const list = fieldErrors(errors);
      const detail = list.map((e) => `${e.field}: ${e.message}`).join('; ');
      return new GatewayProblem(400, 'VALIDATION_FAILED', detail || 'invalid request', list);
    },
  });
}
