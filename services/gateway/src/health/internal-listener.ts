import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from '@llmlab/health';
import type { ReadinessService } from './readiness.service';

/**
 * The gateway's operational listener (`INTERNAL_HOST`:`INTERNAL_PORT`, 3100 by default), kept off the public API
 * port: `GET /metrics` (Prometheus), `GET /health/ready` with every service and dependency and their error
 * strings, uncached, and `GET /health`. Reach it from inside the cluster only (docs/operations.md).
 */
export class InternalListener {
  private readonly server: Server;

  constructor(metrics: Metrics, readiness: ReadinessService) {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const send = (status: number, type: string, body: string) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
      const answer = async () => {
        if (path === '/metrics') return send(200, 'text/plain; version=0.0.4; charset=utf-8', await metrics.registry.metrics());
        if (path === '/health') return send(200, 'application/json', JSON.stringify({ status: 'ok' }));
        if (path === '/health/ready') {
          const result = await readiness.check(String(req.headers['x-request-id'] ?? randomUUID()));
          return send(result.status === 'ok' ? 200 : 503, 'application/json', JSON.stringify(result));
        }
        return send(404, 'text/plain; charset=utf-8', 'not found\n');
      };
      answer().catch((err: Error) => send(500, 'text/plain; charset=utf-8', `${err.message}\n`));
    });
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
