import type { UsageRecordData, UsageRecordedData } from '@llmlab/contracts';
import { sealText } from './aes-gcm';
import { generateDataKey } from './secrets';
import {
  firstOfEachId,
  monthOfUsageLedgerSubject,
  openUsageRecords,
  sealUsageRecords,
  usageLedgerKeyId,
  usageLedgerKeySubject,
  usageMonths,
  usageRecordCount,
  type UsageLedgerKeySource,
} from './usage-ledger';

const org = '0197a1c2-0000-7000-8000-000000000001';
const project = '0197a1c2-0000-7000-8000-000000000002';

const record = (id: string, timestamp: string): UsageRecordData => ({
  id,
  timestamp,
  provider: 'openai',
  model: 'gpt-4o-mini',
  usage: { inputTokens: 10, outputTokens: 2 },
  latencyMs: 100,
  status: 'success',
  tags: { feature: 'search' },
  metadata: { canary: `secret-${id}` },
  endUser: 'eu_0123',
  cost: { status: 'priced', amount: '0.000010000000', currency: 'USD', priceEntryId: 'catalog:x', priceOrigin: 'catalog' },
});

const event = (records: UsageRecordData[], sealed?: UsageRecordedData['sealed']): UsageRecordedData => ({
  batchId: '0197a1c2-5b1e-7c3d-9f00-3a1b2c3d4e5f',
  part: 0,
  parts: 1,
  organizationId: org,
  projectId: project,
  apiKeyId: null,
  receivedAt: '2026-12-01T00:00:00.000Z',
  pricing: { catalogRevision: 1, overridesRevision: -1 },
  records,
  ...(sealed ? { sealed } : {}),
});

const source = (keys: Map<string, Buffer>): UsageLedgerKeySource & { asked: string[][] } => {
  const asked: string[][] = [];
  return {
    asked,
    keys: (o, p, months) => {
      asked.push([o, p, ...months]);
      return Promise.resolve(new Map(o === org && p === project ? [...keys].filter(([m]) => months.includes(m)) : []));
    },
  };
};

describe('usage ledger sealing', () => {
  const records = [
    record('a', '2026-11-30T23:59:59.999Z'),
    record('b', '2026-12-01T00:00:00+01:00'), // 2026-11-30T23:00Z: November in UTC
    record('c', '2026-12-01T00:00:00.000Z'),
    record('d', '2026-11-02T10:00:00.000Z'),
  ];
  const keys = new Map([
    ['2026-11', generateDataKey()],
    ['2026-12', generateDataKey()],
  ]);

  it('groups the records by UTC month, seals each group, and opens them again', async () => {
    expect(usageMonths(records)).toEqual(['2026-11', '2026-12']);
    const sealed = sealUsageRecords(org, project, records, keys);
    expect(sealed.map((g) => [g.month, g.count, g.keyId])).toEqual([
      ['2026-11', 3, usageLedgerKeyId(keys.get('2026-11')!)],
      ['2026-12', 1, usageLedgerKeyId(keys.get('2026-12')!)],
    ]);
    const text = JSON.stringify(sealed);
    for (const r of records) expect(text).not.toContain(`secret-${r.id}`);
    expect(text).not.toContain('gpt-4o-mini');
    const opened = await openUsageRecords(event([], sealed), source(keys));
    expect(opened).toEqual({ records: [records[0], records[1], records[3], records[2]], expired: 0 });
    expect(usageRecordCount(event([], sealed))).toBe(4);
  });

  it('counts a month whose key is gone as expired, and reads the others', async () => {
    const sealed = sealUsageRecords(org, project, records, keys);
    const opened = await openUsageRecords(event([], sealed), source(new Map([['2026-12', keys.get('2026-12')!]])));
    expect(opened).toEqual({ records: [records[2]], expired: 3 });
  });

  it("reads a group sealed under a month's destroyed key as expired when the month has a new key (late usage)", async () => {
    const sealed = sealUsageRecords(org, project, records, keys);
    const remade = new Map([
      ['2026-11', generateDataKey()],
      ['2026-12', keys.get('2026-12')!],
    ]);
    expect(await openUsageRecords(event([], sealed), source(remade))).toEqual({ records: [records[2]], expired: 3 });
  });

  it('binds a group to its organization, project and month: moved elsewhere, it is refused, not read', async () => {
    const sealed = sealUsageRecords(org, project, records, keys);
    // Moved, and named as sealed under the other month's key (the key id alone would read it as expired).
    const moved = [{ ...sealed[0], month: '2026-12', keyId: usageLedgerKeyId(keys.get('2026-12')!) }];
    await expect(openUsageRecords(event([], moved), source(keys))).rejects.toThrow(/cannot open the ciphertext bound to/);
    const altered = [{ ...sealed[1], ciphertext: sealed[1].ciphertext.slice(0, -2) + (sealed[1].ciphertext.endsWith('AA') ? 'AB' : 'AA') }];
    await expect(openUsageRecords(event([], altered), source(keys))).rejects.toThrow();
  });

  it('compresses a group before sealing it (several times smaller for a batch), bound to that encoding', async () => {
    const batch = Array.from({ length: 500 }, (_, i) => record(`id-${i}`, '2026-12-03T10:00:00.000Z'));
    const [group] = sealUsageRecords(org, project, batch, keys);
    expect(group.encoding).toBe('deflate');
    expect(group.ciphertext.length * 4).toBeLessThan(Buffer.byteLength(JSON.stringify(batch)));
    expect(await openUsageRecords(event([], [group]), source(keys))).toEqual({ records: batch, expired: 0 });
    // Said to be the plain JSON, the same bytes are refused: the encoding is part of what the ciphertext is bound to.
    const { encoding: _encoding, ...unmarked } = group;
    await expect(openUsageRecords(event([], [unmarked]), source(keys))).rejects.toThrow(/cannot open the ciphertext bound to/);
  });

  it('opens groups sealed before compression (the JSON itself, no encoding)', async () => {
    const key = keys.get('2026-12')!;
    const legacy = {
      month: '2026-12',
      count: 1,
      keyId: usageLedgerKeyId(key),
      ciphertext: sealText(key, JSON.stringify([records[2]]), `${usageLedgerKeySubject(org, project, '2026-12')}:records`),
    };
    expect(await openUsageRecords(event([], [legacy]), source(keys))).toEqual({ records: [records[2]], expired: 0 });
  });

  it('refuses to seal a month it has no key for', () => {
    expect(() => sealUsageRecords(org, project, records, new Map([['2026-12', keys.get('2026-12')!]]))).toThrow(/no data key/);
  });

  it('reads ledgers written before sealing as they are, asking for no key', async () => {
    const keySource = source(keys);
    expect(await openUsageRecords(event(records), keySource)).toEqual({ records, expired: 0 });
    expect(keySource.asked).toEqual([]);
    expect(usageRecordCount(event(records))).toBe(4);
  });

  it('names keys by organization, project and month, and reads the month back', () => {
    const subject = usageLedgerKeySubject(org, project, '2026-11');
    expect(subject).toBe(`usage:${org}:${project}:2026-11`);
    expect(monthOfUsageLedgerSubject(subject)).toBe('2026-11');
    expect(monthOfUsageLedgerSubject(`project:${project}`)).toBeUndefined();
    expect(monthOfUsageLedgerSubject(`usage:${org}:${project}:2026-13`)).toBeUndefined();
  });

  it('counts the first record of each id', () => {
    expect(firstOfEachId([records[0], records[1], { ...records[0], model: 'other' }]).map((r) => r.id)).toEqual(['a', 'b']);
  });
});
