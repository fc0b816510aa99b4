import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A cost figure the fake reports for one UTC day. `amount` is written into the JSON exactly as given (raw text). */
export interface FakeCostRow {
  day: string;
  project: string | null;
  lineItem: string | null;
  model?: string | null;
  /** OpenAI: dollars, written as a JSON number; Anthropic: cents, written as a decimal string. */
  amount: string;
}

/**
 * Token counts a fake reports for one UTC day, in the platform's convention (`UsageCounts`): `inputTokens` counts
 * every input token, `cachedInputTokens` the part of them read from the cache. Each fake writes them in its
 * provider's own fields.
 */
export interface FakeUsageRow {
  day: string;
  project: string | null;
  model: string | null;
  /** OpenAI: `completions` or `embeddings`; Anthropic: `messages`. */
  kind: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  requests: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** When it arrived (ms since the epoch): how long a client waited between attempts. */
  at: number;
}

/** Both providers' page size when `limit` is absent (day buckets). */
const DEFAULT_LIMIT = 7;

/** Faults the next requests meet, in order: a 429 with Retry-After (seconds), a 500, or a socket hang-up. */
export type FakeFault = { status: 429; retryAfter: string } | { status: 500 } | { status: 'hang-up' };

/**
 * The part of a fake provider Admin API that is the same for OpenAI and Anthropic: a local HTTP server with cost and
 * usage rows by day, cursor pages (`has_more`, `next_page`), the admin keys it accepts, injected faults, and a log
 * of every request (headers included, so tests can check what was sent).
 */
export abstract class FakeProviderServer {
  costs: FakeCostRow[] = [];
  usage: FakeUsageRow[] = [];
  readonly adminKeys = new Set<string>();
  readonly requests: RecordedRequest[] = [];
  readonly faults: FakeFault[] = [];
  /**
   * Caps the day buckets per page below what the client asked for (tests that want many pages); null: the page holds
   * the `limit` asked (the provider's default, 7, when absent), as the real APIs do.
   */
  bucketsPerPage: number | null = null;
  /** Called before each report page is answered (a test may kill a process there). */
  onPage: ((path: string, page: number) => void | Promise<void>) | null = null;
  private server: Server | null = null;

  get url(): string {
    if (!this.server) throw new Error('not started');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Replaces the figure of every cost row of `day` matching `project`/`lineItem` (a provider's late correction). */
  correct(day: string, project: string | null, lineItem: string | null, amount: string): void {
    for (const row of this.costs) if (row.day === day && row.project === project && row.lineItem === lineItem) row.amount = amount;
  }

  protected abstract authorized(req: IncomingMessage): boolean;
  protected abstract route(path: string, query: URLSearchParams): FakeReport | 'validate' | null;
  protected abstract page(body: string, hasMore: boolean, next: string | null): string;

  /**
   * A report over `days` (the pages are cut by `handle`, at most `maxLimit` days each, the largest `limit` the
   * provider documents for it): a time bucket per day, empty ones included, holding the rows of that day written by
   * `result`. `bucket` writes the provider's bucket around them. Rows are grouped by day in one pass per page (a year
   * of rows is rendered page after page).
   */
  protected report<R extends { day: string }>(
    days: string[],
    maxLimit: number,
    rows: readonly R[],
    result: (row: R) => string,
    bucket: (day: string, results: string[]) => string,
  ): FakeReport {
    return {
      days,
      maxLimit,
      render: (page) => {
        const byDay = new Map(page.map((day) => [day, [] as R[]]));
        for (const row of rows) byDay.get(row.day)?.push(row);
        return `[${page.map((day) => bucket(day, byDay.get(day)!.map(result))).join(',')}]`;
      },
    };
  }

  /** The UTC days of `[from, to)`. */
  protected static days(from: Date, to: Date): string[] {
    const days: string[] = [];
    for (let t = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()); t < to.getTime(); t += 86_400_000) {
      days.push(new Date(t).toISOString().slice(0, 10));
    }
    return days;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, at: Date.now() });
    const fault = this.faults.shift();
    if (fault?.status === 'hang-up') return void req.socket.destroy();
    if (fault?.status === 429) return this.send(res, 429, '{"error":{"message":"rate limited"}}', { 'retry-after': fault.retryAfter });
    if (fault?.status === 500) return this.send(res, 500, '{"error":{"message":"internal"}}');
    if (!this.authorized(req)) return this.send(res, 401, '{"error":{"type":"authentication_error","message":"invalid key"}}');
    const route = this.route(url.pathname, url.searchParams);
    if (route === null) return this.send(res, 404, '{"error":{"message":"not found"}}');
    if (route === 'validate') return this.send(res, 200, this.page('[]', false, null));
    const limit = Number(url.searchParams.get('limit') ?? DEFAULT_LIMIT);
    if (!Number.isInteger(limit) || limit < 1 || limit > route.maxLimit)
      return this.send(res, 400, `{"error":{"type":"invalid_request_error","message":"limit: must be between 1 and ${route.maxLimit}"}}`);
    const size = Math.min(limit, this.bucketsPerPage ?? limit);
    const offset = Number(url.searchParams.get('page') ?? '0');
    const days = route.days.slice(offset, offset + size);
    const more = offset + size < route.days.length;
    if (this.onPage) await this.onPage(url.pathname, offset / size);
    this.send(res, 200, this.page(route.render(days), more, more ? String(offset + size) : null));
  }

  private send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  }
}

/** What a report path answers: all the days asked for, and how to write the `data` of a page of them. */
export interface FakeReport {
  days: string[];
  /** The largest `limit` (days per page) the provider documents for this report. */
  maxLimit: number;
  render: (days: string[]) => string;
}

/** A JSON string literal or `null`. */
export const jsonString = (value: string | null | undefined): string => (value == null ? 'null' : JSON.stringify(value));
