import type { UsageRecordData, UsageRecordedData } from '@llmlab/contracts';
import { sealText } from './aes-gcm';
import { generateDataKey } from './secrets';
import {
  firstOfEachId,
  monthOf,
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

  it('reads the UTC month of any instant as a date parser does, or throws as it does', () => {
    const asParsed = (instant: string): string => new Date(instant).toISOString().slice(0, 7);
    const outcome = (read: () => string): string => {
      try {
        return read();
      } catch (error) {
        return `throws ${(error as Error).name}`;
      }
    };
    let seed = 15;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed % n;
    };
    const pad = (value: number, width: number): string => String(value).padStart(width, '0');
    const pick = <T>(values: readonly T[]): T => values[next(values.length)];
    const instants = [
      '2026-12-31T23:59:59.999Z',
      '2026-01-31T23:30:00-01:00',
      '2027-01-01T00:30:00+01:00',
      '2026-02-28T23:59:59.9999999Z',
      '2024-02-29T12:00:00Z',
      '2026-01-28T24:00:00Z',
      '2026-12-31T23:59:60Z',
      '0000-01-01T00:00:00z',
      '2026-01-01t00:00:00.5Z',
      '2026-01-01T00:00:00.Z',
      'not a date',
    ];
    for (let i = 0; i < 20_000; i += 1) {
      const date = `${pad(pick([0, 999, 1970, 2024, 2026, 9999]), 4)}-${pad(next(14), 2)}-${pad(next(33), 2)}`;
      const time = `${pad(next(26), 2)}:${pad(next(61), 2)}:${pad(next(62), 2)}${pick(['', '.0', '.999', '.123456789', '.9999999999'])}`;
      instants.push(`${date}${pick(['T', 't'])}${time}${pick(['Z', 'z', '+00:00', '-05:30', '+14:00'])}`);
    }
    let read = 0;
    const differing: string[][] = [];
    for (const instant of instants) {
      const expected = outcome(() => asParsed(instant));
      const actual = outcome(() => monthOf(instant));
      if (actual !== expected) differing.push([instant, actual, expected]);
      if (!expected.startsWith('throws')) read += 1;
    }
    expect(differing).toEqual([]);
    expect(read).toBeGreaterThan(instants.length / 4);
  });

  it('counts the first record of each id', () => {
    expect(firstOfEachId([records[0], records[1], { ...records[0], model: 'other' }]).map((r) => r.id)).toEqual(['a', 'b']);
  });
});
