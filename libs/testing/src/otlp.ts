/**
 * OTLP/JSON request bodies as an OpenTelemetry exporter sends them (opentelemetry-proto's JSON mapping: ids in hex,
 * times in nanoseconds as strings), for tests that post spans to `POST /v1/otlp/v1/traces` by hand.
 */

export interface OtlpAttribute {
  key: string;
  value: { stringValue: string } | { intValue: string } | { boolValue: boolean };
}

export function otlpAttribute(key: string, value: string | number | boolean): OtlpAttribute {
  if (typeof value === 'number') return { key, value: { intValue: String(value) } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  return { key, value: { stringValue: value } };
}

/** One export request: the spans under one resource (`service.name`) and one instrumentation scope. */
export function otlpJson(spans: unknown[], serviceName = 'e2e'): string {
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [otlpAttribute('service.name', serviceName)] }, scopeSpans: [{ spans }] }],
  });
}

/** A GenAI chat span (client kind) that ended now and lasted 800 ms, with the token counts given. */
export function genAiChatSpan(s: {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  model: string;
  input: number;
  output: number;
  provider?: string;
  /** OTLP status code: 1 ok, 2 error. */
  status?: 1 | 2;
}) {
  const end = BigInt(Date.now()) * 1_000_000n;
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: `chat ${s.model}`,
    kind: 3,
    startTimeUnixNano: String(end - 800_000_000n),
    endTimeUnixNano: String(end),
    attributes: [
      otlpAttribute('gen_ai.operation.name', 'chat'),
      otlpAttribute('gen_ai.provider.name', s.provider ?? 'openai'),
      otlpAttribute('gen_ai.request.model', s.model),
      otlpAttribute('gen_ai.usage.input_tokens', s.input),
      otlpAttribute('gen_ai.usage.output_tokens', s.output),
    ],
    ...(s.status ? { status: { code: s.status } } : {}),
  };
}
