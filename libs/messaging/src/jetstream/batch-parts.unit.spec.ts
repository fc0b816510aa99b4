import type { UsageBatchAccepted, UsageEventInput } from '@llmlab/contracts';
import { splitBatch, type BatchEnvelope } from './batch-parts';

const envelope: BatchEnvelope = {
  organizationId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50',
  projectId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f51',
  apiKeyId: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f52',
  receivedAt: '2025-06-01T12:00:00.000Z',
  correlationId: 'req-1',
};

function event(n: number, padding = 0): UsageEventInput {
  return {
    id: `evt-${n}`,
    timestamp: '2025-06-01T11:59:00.000Z',
    provider: 'openai',
    model: 'gpt-4o-mini',
    usage: { inputTokens: 10, outputTokens: 2 },
    latencyMs: 100,
    status: 'success',
    tags: {},
    metadata: padding > 0 ? { pad: 'é'.repeat(padding) } : {},
  };
}

let ids = 0;
const newId = () => `batch-${++ids}`;

describe('splitBatch', () => {
  it('keeps a batch that fits in one message, events in order, as valid UsageBatchAccepted JSON', () => {
    const events = [event(1), event(2), event(3)];
    const parts = splitBatch(envelope, events, 1024 * 1024, newId);
    expect(parts).toHaveLength(1);
    const message = JSON.parse(parts[0].payload) as UsageBatchAccepted;
    expect(message).toEqual({ batchId: parts[0].batchId, ...envelope, events });
    expect(parts[0].indexes).toEqual([0, 1, 2]);
  });

  it('cuts a batch into parts that each fit max_payload (UTF-8 bytes, headers allowed for), each with its own id', () => {
    // 'é' is two bytes: counting characters would overflow the limit.
    const events = Array.from({ length: 40 }, (_, n) => event(n, 1000));
    const maxPayload = 16 * 1024;
    const parts = splitBatch(envelope, events, maxPayload, newId);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(Buffer.byteLength(part.payload)).toBeLessThanOrEqual(maxPayload - 1024);
    expect(new Set(parts.map((p) => p.batchId)).size).toBe(parts.length);
    const messages = parts.map((p) => JSON.parse(p.payload) as UsageBatchAccepted);
    expect(messages.flatMap((m) => m.events)).toEqual(events);
    expect(parts.flatMap((p) => p.indexes)).toEqual(events.map((_, i) => i));
    messages.forEach((m, i) => expect(m).toMatchObject({ ...envelope, batchId: parts[i].batchId }));
  });

  it('fills each part as far as it goes', () => {
    const events = Array.from({ length: 30 }, (_, n) => event(n, 500));
    const maxPayload = 12 * 1024;
    const parts = splitBatch(envelope, events, maxPayload, newId);
    for (const [i, part] of parts.slice(0, -1).entries()) {
      const next = parts[i + 1].indexes[0];
      // One more event would not have fitted.
      expect(Buffer.byteLength(part.payload) + 1 + Buffer.byteLength(JSON.stringify(events[next]))).toBeGreaterThan(maxPayload - 1024);
    }
  });
});
