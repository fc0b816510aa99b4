import { appendFileSync, constants, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpoolFullError, SpoolInUseError, UsageSpool } from './usage-spool';

describe('UsageSpool', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llmlab-spool-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const batch = (i: number) => ({
    batchId: `b-${i}`,
    payload: JSON.stringify({ batchId: `b-${i}`, events: [{ id: `e-${i}`, note: 'a\nb' }] }),
  });
  const ids = async (spool: UsageSpool) => (await spool.pending()).map((p) => p.batch.batchId);
  const segments = () => readdirSync(dir).filter((f) => f.endsWith('.spool'));

  it('belongs to one process at a time: a live holder refuses another, a dead one is taken over', async () => {
    writeFileSync(join(dir, 'LOCK'), `${hostname()} ${process.ppid}`);
    await expect(UsageSpool.open({ dir })).rejects.toBeInstanceOf(SpoolInUseError);
    writeFileSync(join(dir, 'LOCK'), `${hostname()} 4194304`);
    const spool = await UsageSpool.open({ dir });
    expect(readFileSync(join(dir, 'LOCK'), 'utf8')).toBe(`${hostname()} ${process.pid}`);
    await spool.close();
    expect(readdirSync(dir)).not.toContain('LOCK');
  });

  /** The open flags (octal) of this process's descriptors on the spool's segments, as Linux reports them. */
  const segmentFlags = () =>
    readdirSync('/proc/self/fd')
      .filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir) && readlinkSync(`/proc/self/fd/${fd}`).endsWith('.spool');
        } catch {
          return false;
        }
      })
      .map((fd) => parseInt(/^flags:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1], 8));

  const linuxOnly = process.platform === 'linux' ? it : it.skip;
  linuxOnly('writes its segments with O_DSYNC unless told that the operating system is enough (PROXY_SPOOL_SYNC)', async () => {
    for (const [sync, durable] of [
      [undefined, true],
      ['always', true],
      ['none', false],
    ] as const) {
      const spool = await UsageSpool.open({ dir, ...(sync ? { sync } : {}) });
      await spool.append([batch(1)]);
      const flags = segmentFlags();
      expect(flags).toHaveLength(1);
      expect({ sync, dsync: (flags[0] & constants.O_DSYNC) !== 0, append: (flags[0] & constants.O_APPEND) !== 0 }).toEqual({
        sync,
        dsync: durable,
        append: true,
      });
      await spool.close();
    }
  });

  it('keeps what was appended, in order, for the next process; acknowledged batches are not sent again', async () => {
    const first = await UsageSpool.open({ dir });
    const positions = await first.append([batch(1), batch(2)]);
    await first.append([batch(3)]);
    await first.acknowledge([positions[0]]);
    await first.close();

    const second = await UsageSpool.open({ dir });
    const pending = await second.pending();
    // The acknowledgement lived in the first process only: a batch sent twice is deduplicated downstream.
    expect(pending.map((p) => p.batch)).toEqual([batch(1), batch(2), batch(3)]);
    await second.close();
  });

  it('confirms appends made together with one write, each with its own positions', async () => {
    const spool = await UsageSpool.open({ dir });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append([batch(2 * i), batch(2 * i + 1)])));
    const flat = results.flat();
    expect(new Set(flat.map((p) => `${p.segment}:${p.index}`)).size).toBe(100);
    expect(flat.map((p) => p.index)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(await ids(spool)).toEqual(Array.from({ length: 100 }, (_, i) => `b-${i}`));
    await spool.close();
  });

  it('skips a last line a crash cut short, and never appends after it', async () => {
    const first = await UsageSpool.open({ dir });
    await first.append([batch(1)]);
    await first.close();
    const [segment] = segments();
    appendFileSync(join(dir, segment), 'b-2 {"batchId":"b-2","eve');

    const second = await UsageSpool.open({ dir });
    expect(await ids(second)).toEqual(['b-1']);
    await second.append([batch(3)]);
    expect(await ids(second)).toEqual(['b-1', 'b-3']);
    expect(segments()).toHaveLength(2);
    expect(readFileSync(join(dir, segment), 'utf8').endsWith('"eve')).toBe(true);
    await second.close();
  });

  it('opens a new segment past the size limit and deletes a closed segment once all of it is acknowledged', async () => {
    const spool = await UsageSpool.open({ dir, maxSegmentBytes: 150 });
    const a = await spool.append([batch(1), batch(2), batch(3)]);
    const b = await spool.append([batch(4)]);
    expect(b[0].segment).toBe(a[0].segment + 1);
    expect(segments()).toHaveLength(2);
    await spool.acknowledge(a.slice(0, 2));
    expect(segments()).toHaveLength(2);
    await spool.acknowledge([a[2]]);
    expect(segments()).toHaveLength(1);
    expect(await ids(spool)).toEqual(['b-4']);
    // The current segment stays while it is written to, drained or not.
    await spool.acknowledge(b);
    expect(segments()).toHaveLength(1);
    expect(await ids(spool)).toEqual([]);
    await spool.close();
  });

  it('refuses, writing nothing, what would take it past its limit', async () => {
    const spool = await UsageSpool.open({ dir, maxBytes: 200 });
    await spool.append([batch(1), batch(2)]);
    await expect(spool.append([batch(3), batch(4)])).rejects.toBeInstanceOf(SpoolFullError);
    expect(await ids(spool)).toEqual(['b-1', 'b-2']);
    await spool.close();
    await expect(spool.append([batch(5)])).rejects.toThrow('closed');
  });
});
