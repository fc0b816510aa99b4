import { calcPrice } from '@pydantic/genai-prices';
import { loadGenaiPricesProviders, seedFromGenaiPrices } from './services/ingestion/src/pricing/genai-prices.seed';
import { createPriceCatalog, resolvePrice } from './services/ingestion/src/pricing/price-catalog';
import { computeCost } from './services/ingestion/src/pricing/cost-calculator';
(async () => {
  const providers = await loadGenaiPricesProviders();
  const seed = seedFromGenaiPrices(providers);
  const cat = createPriceCatalog(seed.entries, { providerFallbacks: seed.providerFallbacks });
  const dates = new Set<string>(['2024-01-01T12:00:00Z', '2026-01-15T02:30:00Z', '2026-01-15T07:00:00Z', '2026-09-30T12:00:00Z', '2026-09-30T03:00:00Z']);
  for (const e of seed.entries) if (e.effectiveFrom) { const t = Date.parse(e.effectiveFrom); dates.add(new Date(t - 1000).toISOString()); dates.add(new Date(t + 1000).toISOString()); }
  const usages = [
    { ours: { inputTokens: 1000, cachedInputTokens: 200, cacheWriteTokens: 100, outputTokens: 500 }, theirs: { input_tokens: 1000, cache_read_tokens: 200, cache_write_tokens: 100, output_tokens: 500 } },
    { ours: { inputTokens: 300000, cachedInputTokens: 100000, cacheWriteTokens: 20000, outputTokens: 2000 }, theirs: { input_tokens: 300000, cache_read_tokens: 100000, cache_write_tokens: 20000, output_tokens: 2000 } },
  ];
  let compared = 0, modelDiff = 0, costDiff = 0, oursOnly = 0, theirsOnly = 0;
  const origWarn = console.warn; console.warn = () => {};
  for (const p of providers) for (const m of p.models) {
    const ids = new Set<string>([m.id]);
    const walk = (x: any) => { if (x.or) x.or.forEach(walk); else if (x.equals) ids.add(x.equals); };
    walk(m.match);
    for (const id of ids) for (const d of dates) {
      const at = new Date(d);
      const ours = resolvePrice(cat, { provider: p.id, model: id, at });
      let theirs; try { theirs = calcPrice(usages[0].theirs, id, { providerId: p.id, timestamp: at }); } catch (e) { theirs = 'ERR ' + (e as Error).message; }
      if (typeof theirs === 'string') { continue; }
      if (!ours && !theirs) continue;
      if (!ours) { theirsOnly++; if (theirsOnly < 20) console.log('theirs only', p.id, id, theirs!.model.id, theirs!.total_price); continue; }
      if (!theirs) { oursOnly++; if (oursOnly < 20) console.log('ours only', p.id, id, ours.entry.model); continue; }
      compared++;
      if (theirs.model.id !== ours.entry.model || theirs.provider.id !== ours.entry.provider) { modelDiff++; if (modelDiff < 30) console.log('model diff', p.id, id, 'ours', ours.entry.provider, ours.entry.model, ours.matchedBy, 'theirs', theirs.provider.id, theirs.model.id); continue; }
      for (const u of usages) {
        const t = calcPrice(u.theirs, id, { providerId: p.id, timestamp: at })!;
        const o = Number(computeCost(u.ours, ours.entry).amount);
        if (Math.abs(o - t.total_price) > 1e-9 * Math.max(1, t.total_price)) { costDiff++; if (costDiff < 30) console.log('cost diff', p.id, id, d, o, t.total_price, JSON.stringify(ours.entry.rates)); }
      }
    }
  }
  console.warn = origWarn;
  console.log({ compared, modelDiff, costDiff, oursOnly, theirsOnly });
})();
