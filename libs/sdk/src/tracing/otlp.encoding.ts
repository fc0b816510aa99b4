import type { SpanAttribute, SpanRecord } from './active-span';

/** OTLP/JSON's AnyValue: 64-bit integers are decimal strings, as protobuf's JSON mapping spells them. */
export type OtlpAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: OtlpAnyValue[] } };

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpKeyValue[];
  events: { timeUnixNano: string; name: string; attributes: OtlpKeyValue[] }[];
  status: { code: number; message?: string };
}

export interface OtlpTraceRequest {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: { scope: { name: string; version: string }; spans: OtlpSpan[] }[];
  }[];
}

/** `SPAN_KIND_INTERNAL`: every span the SDK makes runs inside the host's own process. */
const SPAN_KIND_INTERNAL = 1;
const STATUS_CODES = { unset: 0, ok: 1, error: 2 } as const;

export interface OtlpResource {
  serviceName: string;
  scopeName: string;
  scopeVersion: string;
}

/** One `ExportTraceServiceRequest` in OTLP/JSON: a single resource and scope, since one client is one service. */
export function encodeTraceRequest(spans: readonly SpanRecord[], resource: OtlpResource): OtlpTraceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: [keyValue('service.name', resource.serviceName)] },
        scopeSpans: [{ scope: { name: resource.scopeName, version: resource.scopeVersion }, spans: spans.map(encodeSpan) }],
      },
    ],
  };
}

export function encodeSpan(span: SpanRecord): OtlpSpan {
  const attributes = Object.entries(span.attributes).map(([key, value]) => keyValue(key, value));
  if (span.sessionId !== undefined) attributes.push(keyValue('session.id', span.sessionId));
  if (span.userId !== undefined) attributes.push(keyValue('user.id', span.userId));
  for (const [key, value] of Object.entries(span.tags)) attributes.push(keyValue(`llmlab.tag.${key}`, value));
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId === undefined ? {} : { parentSpanId: span.parentSpanId }),
    name: span.name,
    kind: SPAN_KIND_INTERNAL,
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: (span.endTimeUnixNano ?? span.startTimeUnixNano).toString(),
    attributes,
    events: span.events.map((event) => ({
      timeUnixNano: event.timeUnixNano.toString(),
      name: event.name,
      attributes: Object.entries(event.attributes).map(([key, value]) => keyValue(key, value)),
    })),
    status: {
      code: STATUS_CODES[span.status],
      ...(span.statusMessage === undefined ? {} : { message: span.statusMessage }),
    },
  };
}

function keyValue(key: string, value: SpanAttribute): OtlpKeyValue {
  return { key, value: anyValue(value) };
}

function anyValue(value: SpanAttribute | string | number | boolean): OtlpAnyValue {
  if (Array.isArray(value)) return { arrayValue: { values: (value as (string | number | boolean)[]).map(anyValue) } };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number' && Number.isInteger(value)) return { intValue: String(value) };
  return { doubleValue: value as number };
}
