import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { LLMLabError } from '../errors';
import { LLMLab } from '../llmlab.client';
import { startFakeAnthropic, type FakeAnthropic } from '../testing/fake-anthropic.server';
import { startFakeIngest, type FakeIngest } from '../testing/fake-ingest.server';
import { startFakeOpenAI, type FakeOpenAI } from '../testing/fake-openai.server';
import { span } from './tracer';

describe('a traced agent with instrumented OpenAI and Anthropic calls', () => {
  let openaiServer: FakeOpenAI;
  let anthropicServer: FakeAnthropic;
  let ingest: FakeIngest;
  let errors: LLMLabError[];
  let lab: LLMLab;

  beforeEach(async () => {
    [openaiServer, anthropicServer, ingest] = await Promise.all([startFakeOpenAI(), startFakeAnthropic(), startFakeIngest()]);
    errors = [];
    lab = new LLMLab({
      apiKey: 'llm_test_key',
      baseUrl: ingest.url,
      serviceName: 'support-agent',
      flushOnExit: false,
      onError: (error) => errors.push(error),
    });
  });

  afterEach(async () => {
    await lab.shutdown();
    await Promise.all([openaiServer.close(), anthropicServer.close(), ingest.close()]);
    expect(errors).toEqual([]);
  });

  it('ends up as one trace: spans over OTLP/JSON, the calls as usage events nested under the right spans', async () => {
    const openai = lab.instrument(new OpenAI({ apiKey: 'sk-test', baseURL: openaiServer.baseURL, maxRetries: 0 }));
    const anthropic = lab.instrument(new Anthropic({ apiKey: 'sk-ant-test', baseURL: anthropicServer.url, maxRetries: 0 }));

    const answer = await lab.trace(
      'support-agent',
      async () => {
        const plan = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'plan' }] });
        const found = await span('search-kb', async () => `kb:${plan.id}`, { category: 'tool' });
        const stream = await anthropic.messages.create({
          model: 'claude-haiku-4-5',
          max_tokens: 64,
          messages: [{ role: 'user', content: found }],
          stream: true,
        });
        for await (const chunk of stream) void chunk;
        return 'done';
      },
      { sessionId: 'conv-1', userId: 'user-7', tags: { feature: 'support' } },
    );
    expect(answer).toBe('done');
    await lab.flush();

    // The background timer may have sent the tool span on its own before the root ended.
    const requests = ingest.traces.flatMap((request) => request.body.resourceSpans);
    expect(ingest.traces.map((request) => request.authorization)).toEqual(ingest.traces.map(() => 'Bearer llm_test_key'));
    for (const resourceSpans of requests) {
      expect(resourceSpans.resource.attributes).toEqual([{ key: 'service.name', value: { stringValue: 'support-agent' } }]);
    }
    const spans = requests.flatMap((resourceSpans) => resourceSpans.scopeSpans.flatMap((scope) => scope.spans));
    expect(spans.map((s) => s.name)).toEqual(['search-kb', 'support-agent']);
    const [tool, root] = spans;
    expect(root.parentSpanId).toBeUndefined();
    expect(tool.parentSpanId).toBe(root.spanId);
    expect(tool.traceId).toBe(root.traceId);
    expect(root.attributes).toEqual(
      expect.arrayContaining([
        { key: 'session.id', value: { stringValue: 'conv-1' } },
        { key: 'user.id', value: { stringValue: 'user-7' } },
        { key: 'llmlab.tag.feature', value: { stringValue: 'support' } },
      ]),
    );
    expect(tool.attributes).toContainEqual({ key: 'gen_ai.operation.name', value: { stringValue: 'execute_tool' } });

    const events = ingest.accepted;
    expect(events.map((e) => e.provider)).toEqual(['openai', 'anthropic']);
    for (const event of events) {
      expect(event).toMatchObject({
        traceId: root.traceId,
        parentSpanId: root.spanId,
        sessionId: 'conv-1',
        userId: 'user-7',
        tags: { feature: 'support' },
      });
      expect(event.spanId).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(new Set([...events.map((e) => e.spanId), root.spanId, tool.spanId]).size).toBe(4);
    expect(events[1].metadata).toMatchObject({ stream: true });
  });

  it('leaves calls outside any trace as they were', async () => {
    const openai = lab.instrument(new OpenAI({ apiKey: 'sk-test', baseURL: openaiServer.baseURL, maxRetries: 0 }));
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await lab.flush();
    const [event] = ingest.accepted;
    expect(event.traceId).toBeUndefined();
    expect(event.parentSpanId).toBeUndefined();
    expect(event.sessionId).toBeUndefined();
    expect(ingest.traces).toEqual([]);
  });
});
