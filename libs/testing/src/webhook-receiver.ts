import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export type Reply = { status: number; headers?: Record<string, string>; body?: string };
/** A reply, or a function of the request: `'hold'` keeps the request open until the test lets go. */
export type Responder = Reply | 'hold' | ((request: Received) => Reply | 'hold');

/**
 * A local HTTP receiver on 127.0.0.1 standing in for Slack, Discord or a customer's webhook endpoint. Each path
 * answers from its queue (the last entry repeats); every request is recorded.
 */
export class Receiver {
  readonly received: Received[] = [];
  origin = '';
  private readonly routes = new Map<string, Responder[]>();
  private readonly held: ServerResponse[] = [];
  private readonly waiters: { path: string; count: number; resolve: () => void }[] = [];
  private server!: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request: Received = {
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        this.received.push(request);
        const queue = this.routes.get(request.path) ?? [{ status: 404, body: 'no route' }];
        const next = queue.length > 1 ? queue.shift()! : queue[0];
        const reply = typeof next === 'function' ? next(request) : next;
        if (reply === 'hold') this.held.push(res);
        else {
          res.writeHead(reply.status, reply.headers ?? {});
          res.end(reply.body ?? '');
        }
        for (const waiter of this.waiters.filter((w) => this.hits(w.path).length >= w.count)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Routes `path` to these answers and returns its full URL. */
  on(path: string, ...responders: Responder[]): string {
    this.routes.set(path, responders);
    return this.origin + path;
  }

  hits(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Resolves once `path` has received `count` requests. */
  waitFor(path: string, count: number, timeoutMs = 30_000): Promise<void> {
    if (this.hits(path).length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${path} received ${this.hits(path).length} of ${count} requests`)), timeoutMs);
      this.waiters.push({ path, count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const slackOk: Reply = { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' };
export const discordOk: Reply = { status: 204 };
