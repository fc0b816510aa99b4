import { createLogger } from '@llmlab/logging';
import type { RequestClient } from './request-client';
import { API_KEY_USE_REPORT_MS, ApiKeyUseRecorder } from './api-key-use.recorder';

// What one replica of an edge reports about API key use: once a minute per key at most, never waiting for the answer.
describe('API key use recorder', () => {
  const sent: unknown[] = [];
  let reply: Promise<unknown>;
  const client = {
    ask: (_subject: unknown, payload: unknown) => {
      sent.push(payload);
      return reply;
    },
  } as unknown as RequestClient;
  const recorder = new ApiKeyUseRecorder(client, createLogger({ service: 'gateway', level: 'silent' }));

  beforeEach(() => {
    sent.length = 0;
    reply = Promise.resolve({ ok: true, data: {} });
    jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00.000Z') });
  });
  afterEach(() => jest.useRealTimers());

  it('reports a key once a minute, however often it is used, and each key on its own', () => {
    for (let i = 0; i < 100; i++) recorder.used('key-a', 'corr');
    recorder.used('key-b', 'corr');
    expect(sent).toEqual([
      { apiKeyId: 'key-a', usedAt: '2026-12-01T10:00:00.000Z' },
      { apiKeyId: 'key-b', usedAt: '2026-12-01T10:00:00.000Z' },
    ]);
    jest.setSystemTime(Date.parse('2026-12-01T10:00:00.000Z') + API_KEY_USE_REPORT_MS - 1);
    recorder.used('key-a', 'corr');
    expect(sent).toHaveLength(2);
    jest.setSystemTime(Date.parse('2026-12-01T10:00:00.000Z') + API_KEY_USE_REPORT_MS + 1);
    recorder.used('key-a', 'corr');
    expect(sent).toEqual(expect.arrayContaining([{ apiKeyId: 'key-a', usedAt: '2026-12-01T10:01:00.001Z' }]));
    expect(sent).toHaveLength(3);
  });

  it('never throws into the request when the report fails', async () => {
    reply = Promise.reject(new Error('no responders'));
    expect(() => recorder.used('key-c', 'corr')).not.toThrow();
    await Promise.resolve();
    expect(sent).toHaveLength(1);
  });
});
