import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as the client sent them. */
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  /** Waits `ms`, or less if the server closes first. */
  pause(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface SseEvent {
  event?: string;
  data: string;
}

/** A node:http server on a free loopback port that records every request with its parsed JSON body. */
export async function startServer(
  handle: (request: RecordedRequest, response: ServerResponse, server: TestServer) => void | Promise<void>,
): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const pauses = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: text === '' ? undefined : JSON.parse(text),
      };
      requests.push(request);
      Promise.resolve(handle(request, res, testServer)).catch((error: Error) => res.destroy(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const testServer: TestServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    pause: (ms) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          pauses.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        pauses.add(done);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const done of [...pauses]) done();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return testServer;
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

/** Writes each event as its own SSE frame, a little apart, so the client really reads a stream. */
export async function sendSse(
  response: ServerResponse,
  server: TestServer,
  events: SseEvent[],
  headers: Record<string, string> = {},
): Promise<void> {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  for (const { event, data } of events) {
    if (response.destroyed) return;
    response.write(event === undefined ? `data: ${data}\n\n` : `event: ${event}\ndata: ${data}\n\n`);
    await server.pause(2);
  }
  response.end();
}

/** A loopback port nothing listens on: connecting to it is refused at once. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
