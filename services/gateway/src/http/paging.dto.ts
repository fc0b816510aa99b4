import type { Type } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type as Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** The most rows one page or breakdown answers, unless a route sets less. */
export const MAX_PAGE = 1_000;

export interface LimitOptions {
  /** Highest `limit` accepted; `MAX_PAGE` when absent. */
  max?: number;
  /** What the service uses when `limit` is absent (documented only: the service applies it). */
  defaultLimit?: number;
  description?: string;
}

/** A query DTO with `limit`, declared once: `class XQueryDto extends WithLimit(DateRangeQueryDto) { ... }`. */
export function WithLimit<TBase extends Type<object>>(Base: TBase, options: LimitOptions = {}) {
  const max = options.max ?? MAX_PAGE;
  class Limited extends Base {
    @ApiPropertyOptional({
      type: 'integer',
      minimum: 1,
      maximum: max,
      default: options.defaultLimit ?? 100,
      description: options.description,
    })
    @IsOptional()
    @Transform(() => Number)
    @IsInt()
    @Min(1)
    @Max(max)
    limit?: number;
  }
  return Limited;
}

/** A cursor-paged query DTO: `limit` and the previous page's `nextCursor`, declared once. */
export function WithCursorPaging<TBase extends Type<object>>(Base: TBase, options: LimitOptions = {}) {
  class Paged extends WithLimit(Base, options) {
    @ApiPropertyOptional({ description: "The previous page's nextCursor." })
    @IsOptional()
    @IsString()
    @MaxLength(1024)
    cursor?: string;
  }
  return Paged;
}

/** The base of a paged query that has no other field. */
export class NoQuery {}
