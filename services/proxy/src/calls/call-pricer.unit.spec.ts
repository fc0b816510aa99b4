import { pino } from 'pino';
import type { RequestClient } from '@llmlab/api-keys';
import type { PriceEntryData, PricesInForce } from '@llmlab/contracts';
import { CallPricer } from './call-pricer';

const entry = (id: string, input: string, output = '0'): PriceEntryData => ({
  id,
  provider: 'openai',
  model: id,
  effectiveFrom: null,
  effectiveTo: null,
  currency: 'USD',
  rates: { input, output },
});

/**
 * The ingestion service's side, in memory, answering when released: model `a` at $1,000 per million input tokens
 * (0.001 a token) until `CUT` (tomorrow), $2,000 after; `b` at $1,000; `unknown-model` unpriced.
 */
const CUT = Math.floor(Date.now() / 1000) * 1000 + 86_400_000;
function fakeIngestion() {
  const requests: { organizationId?: string; asked: string[] }[] = [];
  const waiting: (() => void)[] = [];
  const client: RequestClient = {
    ask: (_subject, payload, context) => {
      const prices = (payload as { prices: { provider: string; model: string; at: string }[] }).prices;
      requests.push({ organizationId: context.organizationId, asked: prices.map((p) => `${p.provider}/${p.model}@${p.at}`) });
      const answer = (p: { model: string; at: string }): PricesInForce['prices'][number] => {
        if (p.model === 'unknown-model') return { price: null, origin: null, validFrom: null, validUntil: null };
        const before = Date.parse(p.at) < CUT || p.model !== 'a';
        const cut = new Date(CUT).toISOString();
        return {
          price: entry(p.model, before ? '1000' : '2000'),
          origin: 'catalog',
          validFrom: before || p.model !== 'a' ? null : cut,
          validUntil: before && p.model === 'a' ? cut : null,
        };
      };
      return new Promise((resolve) => waiting.push(() => resolve({ ok: true, data: { prices: prices.map(answer) } } as never)));
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
  const at = new Date(CUT - 60_000);
  const org = { organizationId: 'org-1', provider: 'openai' };

  it("asks once for a lone call, and sends an organization's questions that came meanwhile together in the next request", async () => {
    const ingestion = fakeIngestion();
    const pricer = new CallPricer(ingestion.client, pino({ level: 'silent' }), { cacheMs: 60_000 });
    const first = pricer.quote({ ...org, model: 'a' }, usage(1000), 'c1', at);
    const second = pricer.quote({ ...org, model: 'b' }, usage(2000), 'c2', at);
    const third = pricer.quote({ ...org, model: 'unknown-model' }, usage(3000), 'c3', at);
    const other = pricer.quote({ organizationId: 'org-2', provider: 'openai', model: 'b' }, usage(4000), 'c4', at);
    await ingestion.release();
    await ingestion.release();
    await ingestion.release();
    // computeCost of the price: exactly the amount a record of the call gets.
    await expect(Promise.all([first, second, third, other])).resolves.toEqual([
      { status: 'priced', amount: '1.000000000000' },
      { status: 'priced', amount: '2.000000000000' },
      { status: 'unpriced' },
      { status: 'priced', amount: '4.000000000000' },
    ]);
    const iso = at.toISOString();
    expect(ingestion.requests).toEqual([
      { organizationId: 'org-1', asked: [`openai/a@${iso}`] },
      { organizationId: 'org-2', asked: [`openai/b@${iso}`] },
      { organizationId: 'org-1', asked: [`openai/b@${iso}`, `openai/unknown-model@${iso}`] },
    ]);
  });

  it('prices later calls from the price it keeps, asks again once the price stops being in force or is too old', async () => {
    const ingestion = fakeIngestion();
    let now = CUT - 60_000;
    const pricer = new CallPricer(ingestion.client, pino({ level: 'silent' }), { cacheMs: 2_000, now: () => now });
    const first = pricer.quote({ ...org, model: 'a' }, usage(1000), 'c1', at);
    await ingestion.release();
    await expect(first).resolves.toEqual({ status: 'priced', amount: '1.000000000000' });
    // Kept: no request, whatever the usage (and an unpriced model's answer is kept too).
    await expect(pricer.quote({ ...org, model: 'a' }, usage(7), 'c2', new Date(CUT - 1))).resolves.toEqual({
      status: 'priced',
      amount: '0.007000000000',
    });
    await expect(pricer.price({ ...org, model: 'a' }, usage(1), 'c3')).resolves.toBe('0.001000');
    expect(ingestion.requests).toHaveLength(1);
    // A call at the instant the price stops: asked again, at the new price.
    const after = pricer.quote({ ...org, model: 'a' }, usage(1000), 'c4', new Date(CUT));
    await ingestion.release();
    await expect(after).resolves.toEqual({ status: 'priced', amount: '2.000000000000' });
    expect(ingestion.requests).toHaveLength(2);
    // Older than cacheMs: asked again even within the span.
    now += 2_000;
    const stale = pricer.quote({ ...org, model: 'a' }, usage(1000), 'c5', new Date(CUT + 1));
    await ingestion.release();
    await stale;
    expect(ingestion.requests).toHaveLength(3);
    // Another provider spelling of the same one shares the price; another organization does not.
    const spelled = pricer.quote({ ...org, provider: 'OpenAI', model: 'a' }, usage(1), 'c6', new Date(CUT + 2));
    await expect(spelled).resolves.toEqual({ status: 'priced', amount: '0.002000000000' });
    expect(ingestion.requests).toHaveLength(3);
  });

  it('gives no amount when prices cannot be asked, and asks again for the next call', async () => {
    const requests: number[] = [];
    const client: RequestClient = {
      ask: async () => {
        requests.push(1);
        return { ok: false, error: { code: 'UNAVAILABLE', message: 'no responders' } } as never;
      },
    };
    const pricer = new CallPricer(client, pino({ level: 'silent' }), { cacheMs: 60_000 });
    await expect(pricer.quote({ ...org, model: 'a' }, usage(1), 'c1')).resolves.toBeUndefined();
    await expect(pricer.price({ ...org, model: 'a' }, usage(1), 'c2')).resolves.toBeUndefined();
    expect(requests).toHaveLength(2);
  });
});
