import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

/**
 * The problem+json answers an operation gives beyond the ones every operation documents (401, 404, 429, 500
 * are added to all of them by buildOpenApiDocument): `@ApiProblems([400, 'invalid body'], [409, 'email taken'])`.
 */
export function ApiProblems(...problems: [status: number, description: string][]) {
  return applyDecorators(
    ...problems.map(([status, description]) =>
      ApiResponse({
        status,
        description,
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      }),
    ),
  );
}
