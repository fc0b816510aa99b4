import { randomBytes } from 'node:crypto';

/** 32 lowercase hex characters, as OTLP/JSON spells a trace id. */
export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

/** 16 lowercase hex characters, as OTLP/JSON spells a span id. */
export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}
