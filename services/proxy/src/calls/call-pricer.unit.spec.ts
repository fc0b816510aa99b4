import { pino } from 'pino';
import type { RequestClient } from '@llmlab/api-keys';
import { CallPricer } from './call-pricer';

/** The ingestion service's side, in memory: a quote per call (0.001 per input token), answered when released. */
function fakeIngestion() {
  const requests: { organizationId?: string; models: string[] }[] = [];
  const waiting: (() => void)[] = [];
  const client: RequestClient = {
    ask: (_subject, payload, context) => {
      const quotes = (payload as { quotes: { model: string; usage: { inputTokens: number } }[] }).quotes;
      requests.push({ organizationId: context.organizationId, models: quotes.map((q) => q.model) });
      return new Promise((resolve) =>
        waiting.push(() =>
          resolve({
            ok: true,
            data: {
              quotes: quotes.map((q) =>
                q.model === 'unknown-model'
                  ? { status: 'unpriced', amount: null, priceEntryId: null }
                  : { status: 'priced', amount: (q.usage.inputTokens / 1000).toFixed(12), priceEntryId: 'p' },
              ),
            },
          } as never),
        ),
      );
    },
  };
  const release = async () => {
    while (waiting.length === 0) await new Promise((r) => setImmediate(r));
    waiting.shift()!();
  };
  return { client, requests, release };
}

describe('CallPricer', () => {
  const usage = (inputTokens: number) => ({ inputTokens, outputTokens: 0 });

  it("asks once for a lone call, and sends an organization's questions that came meanwhile together in the next request", async () => {
    const ingestion = fakeIngestion();
    const pricer = new CallPricer(ingestion.client, pino({ level: 'silent' }));
    const org = { organizationId: 'org-1', provider: 'openai' };
    const first = pricer.quote({ ...org, model: 'a' }, usage(1000), 'c1');
    const second = pricer.quote({ ...org, model: 'b' }, usage(2000), 'c2');
    const third = pricer.quote({ ...org, model: 'unknown-model' }, usage(3000), 'c3');
    const other = pricer.quote({ organizationId: 'org-2', provider: 'openai', model: 'c' }, usage(4000), 'c4');
    await ingestion.release();
    await ingestion.release();
    await ingestion.release();
    await expect(Promise.all([first, second, third, other])).resolves.toEqual([
      { status: 'priced', amount: '1.000000000000' },
      { status: 'priced', amount: '2.000000000000' },
      { status: 'unpriced' },
      { status: 'priced', amount: '4.000000000000' },
    ]);
    expect(ingestion.requests).toEqual([
      { organizationId: 'org-1', models: ['a'] },
      { organizationId: 'org-2', models: ['c'] },
      { organizationId: 'org-1', models: ['b', 'unknown-model'] },
    ]);
    // Nothing waits any more: the next call is asked at once.
    const later = pricer.price({ ...org, model: 'a' }, usage(1), 'c5');
    await ingestion.release();
    await expect(later).resolves.toBe('0.001000');
    expect(ingestion.requests).toHaveLength(4);
  });
});
