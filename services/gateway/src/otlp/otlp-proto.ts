import { Root, type Type } from 'protobufjs';

/**
 * The OTLP trace messages the intake decodes and answers with, as a protobufjs JSON descriptor: the subset of
 * opentelemetry-proto (Apache-2.0, https://github.com/open-telemetry/opentelemetry-proto) files
 * `collector/trace/v1/trace_service.proto`, `trace/v1/trace.proto`, `common/v1/common.proto` and
 * `resource/v1/resource.proto` that a trace export uses, with the spec's field numbers. Field names are the
 * lowerCamelCase ones OTLP/JSON uses, so that both encodings decode to the same object shape.
 */
const DESCRIPTOR = {
  nested: {
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
        arrayValue: { type: 'ArrayValue', id: 5 },
        kvlistValue: { type: 'KeyValueList', id: 6 },
        bytesValue: { type: 'bytes', id: 7 },
      },
    },
    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    InstrumentationScope: {
      fields: {
        name: { type: 'string', id: 1 },
        version: { type: 'string', id: 2 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
        droppedAttributesCount: { type: 'uint32', id: 4 },
      },
    },
    Resource: {
      fields: {
        attributes: { rule: 'repeated', type: 'KeyValue', id: 1 },
        droppedAttributesCount: { type: 'uint32', id: 2 },
      },
    },
    ResourceSpans: {
      fields: {
        resource: { type: 'Resource', id: 1 },
        scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 },
        schemaUrl: { type: 'string', id: 3 },
      },
    },
    ScopeSpans: {
      fields: {
        scope: { type: 'InstrumentationScope', id: 1 },
        spans: { rule: 'repeated', type: 'Span', id: 2 },
        schemaUrl: { type: 'string', id: 3 },
      },
    },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        traceState: { type: 'string', id: 3 },
        parentSpanId: { type: 'bytes', id: 4 },
        flags: { type: 'fixed32', id: 16 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        startTimeUnixNano: { type: 'fixed64', id: 7 },
        endTimeUnixNano: { type: 'fixed64', id: 8 },
        attributes: { rule: 'repeated', type: 'KeyValue', id: 9 },
        droppedAttributesCount: { type: 'uint32', id: 10 },
        events: { rule: 'repeated', type: 'Event', id: 11 },
        droppedEventsCount: { type: 'uint32', id: 12 },
        droppedLinksCount: { type: 'uint32', id: 14 },
        status: { type: 'Status', id: 15 },
      },
      nested: {
        Event: {
          fields: {
            timeUnixNano: { type: 'fixed64', id: 1 },
            name: { type: 'string', id: 2 },
            attributes: { rule: 'repeated', type: 'KeyValue', id: 3 },
            droppedAttributesCount: { type: 'uint32', id: 4 },
          },
        },
      },
    },
    Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
    ExportTraceServiceResponse: { fields: { partialSuccess: { type: 'ExportTracePartialSuccess', id: 1 } } },
    ExportTracePartialSuccess: {
      fields: { rejectedSpans: { type: 'int64', id: 1 }, errorMessage: { type: 'string', id: 2 } },
    },
  },
};

const root = Root.fromJSON(DESCRIPTOR);
const request: Type = root.lookupType('ExportTraceServiceRequest');
const response: Type = root.lookupType('ExportTraceServiceResponse');

/**
 * Decodes an `ExportTraceServiceRequest` into the OTLP/JSON object shape, except that ids and bytes values stay
 * bytes (`Uint8Array`) and 64-bit integers become decimal strings. Throws on a body that is not the message.
 */
export function decodeTraceRequest(body: Uint8Array): unknown {
  return request.toObject(request.decode(body), { longs: String, enums: Number, defaults: false, oneofs: false });
}

/** An `ExportTraceServiceResponse`, protobuf-encoded; `partialSuccess` only when something was rejected. */
export function encodeTraceResponse(partialSuccess?: { rejectedSpans: number; errorMessage: string }): Uint8Array {
  return response.encode(response.fromObject(partialSuccess ? { partialSuccess } : {})).finish();
}

/** An `ExportTraceServiceRequest` in the OTLP/JSON object shape (ids as bytes), protobuf-encoded: for clients and benchmarks. */
export function encodeTraceRequest(message: Record<string, unknown>): Uint8Array {
  return request.encode(request.fromObject(message)).finish();
}
