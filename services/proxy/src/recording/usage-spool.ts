import { constants, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** One spooled INGEST message: its JetStream message id and its body (a `UsageBatchAccepted`, JSON). */
export interface SpooledBatch {
  batchId: string;
  payload: string;
}

/** Where a batch sits in the spool, for `acknowledge`. */
export interface SpoolPosition {
  segment: number;
  /** Entries of the segment before this one. */
  index: number;
}

export interface UsageSpoolOptions {
  dir: string;
  /** A segment is closed and a new one opened past this size; a drained closed segment is deleted. */
  maxSegmentBytes?: number;
  /** What the spool may hold on disk; past it `append` refuses (`SpoolFullError`) instead of dropping anything. */
  maxBytes?: number;
  /**
   * `always` (the default): an append is confirmed once on disk, so it survives the machine going down. `none`: once
   * written to the operating system, which keeps it through a crash or kill of the process, not of the machine.
   */
  sync?: 'always' | 'none';
}

export class SpoolInUseError extends Error {
  constructor(dir: string, holder: string) {
    super(`the usage spool ${dir} is held by another process (${holder}): give each proxy process a directory of its own`);
  }
}

export class SpoolFullError extends Error {
  constructor(readonly bytes: number) {
    super(`the usage spool holds ${bytes} bytes, its limit`);
  }
}

const SEGMENT = /^(\d{12})\.spool$/;
/**
 * Segments are opened with O_DSYNC where the platform has it (Linux, macOS): each write returns once its data is on
 * disk, as a write and an fdatasync would, in one operation of the thread pool instead of two. Elsewhere each write
 * is followed by an fdatasync.
 */
const DSYNC: number | undefined = constants.O_DSYNC;
const segmentName = (n: number) => `${String(n).padStart(12, '0')}.spool`;

/**
 * The proxy's write-ahead spool of recorded usage: every batch is appended here and flushed to disk (O_DSYNC)
 * before it is published to INGEST, and stays until JetStream acknowledged it. A crash at any point leaves each
 * batch either on disk or acknowledged; after a restart the spool is read from its oldest segment and sent again.
 * A batch sent twice is harmless: JetStream drops a repeated message id within its window, and the ingestion
 * service counts each event id of a project once after it.
 *
 * On disk: numbered segments of lines `<batchId> <payload>\n` (a payload is JSON, which holds no raw newline).
 * Appends that arrive while a flush runs are written and flushed together (group commit). A torn last line, left
 * by a crash in the middle of a write that was never confirmed to anyone, is skipped when read.
 */
export class UsageSpool {
  private readonly maxSegmentBytes: number;
  private readonly maxBytes: number;
  /** How segments are opened, and whether each write is followed by an fdatasync. */
  private readonly flags: string | number;
  private readonly datasync: boolean;
  private segments: { n: number; bytes: number; entries: number; acknowledged: Set<number> }[] = [];
  private handle?: FileHandle;
  private queue: {
    lines: string;
    bytes: number;
    entries: number;
    resolve: (p: SpoolPosition[]) => void;
    reject: (err: unknown) => void;
  }[] = [];
  private flushing?: Promise<void>;
  private closed = false;

  private constructor(
    private readonly dir: string,
    options: UsageSpoolOptions,
  ) {
    this.maxSegmentBytes = options.maxSegmentBytes ?? 8 << 20;
    this.maxBytes = options.maxBytes ?? 1 << 30;
    const sync = (options.sync ?? 'always') === 'always';
    this.flags = sync && DSYNC !== undefined ? constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | DSYNC : 'a';
    this.datasync = sync && DSYNC === undefined;
  }

  /** Opens the spool directory (created if missing); what earlier processes left in it is `pending()`. */
  static async open(options: UsageSpoolOptions): Promise<UsageSpool> {
    mkdirSync(options.dir, { recursive: true });
    lock(options.dir);
    const spool = new UsageSpool(options.dir, options);
    const found = readdirSync(options.dir)
      .map((name) => SEGMENT.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const n of found) {
      const entries = (await spool.read(n)).length;
      spool.segments.push({ n, bytes: statSync(join(options.dir, segmentName(n))).size, entries, acknowledged: new Set() });
    }
    // Never append after a torn line: each process writes a segment of its own.
    await spool.startSegment((found.at(-1) ?? 0) + 1);
    return spool;
  }

  /** Bytes on disk, acknowledged entries of undeleted segments included. */
  get bytes(): number {
    return this.segments.reduce((sum, s) => sum + s.bytes, 0);
  }

  /** Room for at least one more batch of a megabyte. */
  hasRoom(): boolean {
    return this.bytes + (1 << 20) <= this.maxBytes;
  }

  /** Resolves once every batch is on disk; rejects with `SpoolFullError` (nothing written) when there is no room. */
  append(batches: readonly SpooledBatch[]): Promise<SpoolPosition[]> {
    if (this.closed) return Promise.reject(new Error('the usage spool is closed'));
    const lines = batches.map((b) => `${b.batchId} ${b.payload}\n`).join('');
    const bytes = Buffer.byteLength(lines);
    const queued = this.queue.reduce((sum, q) => sum + q.bytes, 0);
    if (this.bytes + queued + bytes > this.maxBytes) return Promise.reject(new SpoolFullError(this.bytes));
    return new Promise<SpoolPosition[]>((resolve, reject) => {
      this.queue.push({ lines, bytes, entries: batches.length, resolve, reject });
      void this.flush();
    });
  }

  /** Every batch not yet acknowledged, oldest first, with its position. */
  async pending(): Promise<{ position: SpoolPosition; batch: SpooledBatch }[]> {
    const out: { position: SpoolPosition; batch: SpooledBatch }[] = [];
    for (const segment of this.segments) {
      const batches = await this.read(segment.n);
      batches.forEach((batch, index) => {
        if (!segment.acknowledged.has(index)) out.push({ position: { segment: segment.n, index }, batch });
      });
    }
    return out;
  }

  /** JetStream took these batches: a segment whose every entry is acknowledged, and that is closed, is deleted. */
  async acknowledge(positions: readonly SpoolPosition[]): Promise<void> {
    for (const p of positions) this.segments.find((s) => s.n === p.segment)?.acknowledged.add(p.index);
    const current = this.segments.at(-1);
    for (const segment of [...this.segments]) {
      if (segment === current || segment.acknowledged.size < segment.entries) continue;
      // Already gone is as good as deleted (a directory removed under a process shutting down).
      await unlink(join(this.dir, segmentName(segment.n))).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      this.segments = this.segments.filter((s) => s !== segment);
    }
  }

  /** Finishes the flush under way and closes the current segment. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.handle?.close();
    if (this.handle) unlinkSync(join(this.dir, LOCK));
    this.handle = undefined;
  }

  private flush(): Promise<void> {
    this.flushing ??= this.flushQueue().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) void this.flush();
    });
    return this.flushing;
  }

  /** Writes everything queued in one write (durable: O_DSYNC, or a write and an fdatasync), then confirms each append. */
  private async flushQueue(): Promise<void> {
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
    try {
      let segment = this.segments.at(-1)!;
      if (segment.bytes >= this.maxSegmentBytes && segment.entries > 0) {
        await this.startSegment(segment.n + 1);
        segment = this.segments.at(-1)!;
      }
      const text = group.map((g) => g.lines).join('');
      await this.handle!.write(text);
      if (this.datasync) await this.handle!.datasync();
      for (const g of group) {
        const first = segment.entries;
        segment.entries += g.entries;
        segment.bytes += g.bytes;
        g.resolve(Array.from({ length: g.entries }, (_, i) => ({ segment: segment.n, index: first + i })));
      }
    } catch (err) {
      for (const g of group) g.reject(err);
      // The write may have left part of a line: later appends go to a segment of their own.
      await this.startSegment(this.segments.at(-1)!.n + 1).catch(() => undefined);
    }
  }

  private async startSegment(n: number): Promise<void> {
    await this.handle?.close();
    this.handle = await open(join(this.dir, segmentName(n)), this.flags);
    this.segments.push({ n, bytes: 0, entries: 0, acknowledged: new Set() });
    // A closed segment already drained can go now.
    await this.acknowledge([]);
  }

  /** A segment's complete lines; a last line cut short by a crash is not one. */
  private async read(n: number): Promise<SpooledBatch[]> {
    const text = await readFile(join(this.dir, segmentName(n)), 'utf8');
    const lines = text.split('\n');
    lines.pop(); // after the last '\n': empty, or a torn line never confirmed
    return lines.map((line) => {
      const space = line.indexOf(' ');
      return { batchId: line.slice(0, space), payload: line.slice(space + 1) };
    });
  }
}

const LOCK = 'LOCK';

/**
 * One process per spool: two would number their segments alike and each send the other's batches. The lock file
 * names its holder (`host pid`); a lock left by a process that no longer runs on this host is taken over.
 */
function lock(dir: string): void {
  const path = join(dir, LOCK);
  const me = `${hostname()} ${process.pid}`;
  try {
    writeFileSync(path, me, { flag: 'wx' });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const holder = readFileSync(path, 'utf8').trim();
  const [host, pid] = holder.split(' ');
  if (host === hostname() && Number(pid) !== process.pid && alive(Number(pid))) throw new SpoolInUseError(dir, holder);
  writeFileSync(path, me);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
