import { ApiPropertyOptional } from '@nestjs/swagger';
import { registerDecorator, ValidateIf, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { parseRfc3339 } from '@llmlab/contracts';

/** A range defaults to the 30 days before now. */
export const DEFAULT_RANGE_DAYS = 30;

/** An RFC 3339 instant, read exactly as the ingestion service reads it (no 30 February, offsets allowed). */
export function IsInstant(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isInstant',
      target: target.constructor,
      propertyName,
      options: { message: 'must be an RFC 3339 date-time, e.g. 2025-06-01T00:00:00Z', ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && parseRfc3339(value) !== undefined },
    });
}

/**
 * `to` after `from`, and `from` before now when `to` is absent (it defaults to now), so that an inverted range is a
 * 400 naming the field rather than an empty answer.
 */
function IsRangeBound(bound: 'from' | 'to') {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: bound === 'to' ? 'isAfterFrom' : 'isBeforeTo',
      target: target.constructor,
      propertyName,
      options: { message: bound === 'to' ? 'must be after from' : 'must be before to (now when absent)' },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const self = parseRfc3339(String(value));
          if (self === undefined) return true;
          const { from, to } = args.object as DateRangeQueryDto;
          // With both bounds given, `to` reports the inversion; `from` alone is compared with now.
          if (bound === 'from') return to !== undefined || self < Date.now();
          const start = from === undefined ? undefined : parseRfc3339(from);
          return start === undefined || self > start;
        },
      },
    });
}

/** `[from, to)`, both optional. */
export class DateRangeQueryDto {
  @ApiPropertyOptional({
    format: 'date-time',
    description: `Start of the range, included. Default: ${DEFAULT_RANGE_DAYS} days before \`to\`.`,
  })
  @ValidateIf((o: DateRangeQueryDto) => o.from !== undefined)
  @IsInstant()
  @IsRangeBound('from')
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'End of the range, excluded. Default: now.' })
  @ValidateIf((o: DateRangeQueryDto) => o.to !== undefined)
  @IsInstant()
  @IsRangeBound('to')
  to?: string;
}

/**
 * The range a query asked for, with its defaults filled in (`days` before `to` when `from` is absent), as RFC 3339
 * strings for the ingestion subjects.
 */
export function resolveRange(
  query: { from?: string; to?: string },
  now = Date.now(),
  days = DEFAULT_RANGE_DAYS,
): { from: string; to: string } {
  const to = query.to !== undefined ? parseRfc3339(query.to)! : now;
  const from = query.from !== undefined ? parseRfc3339(query.from)! : to - days * 86_400_000;
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}
