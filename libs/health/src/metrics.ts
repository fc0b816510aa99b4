import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per process: Node's default metrics plus the HTTP and NATS request metrics every
 * service shares. Services add their own on the same registry.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly natsRequests: Counter<'subject' | 'outcome'>;
  readonly natsDuration: Histogram<'subject'>;

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = new Counter({
      name: 'llmlab_http_requests_total',
      help: 'HTTP requests answered, by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.httpDuration = new Histogram({
      name: 'llmlab_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.natsRequests = new Counter({
      name: 'llmlab_nats_requests_total',
      help: 'NATS requests handled, by subject and outcome (ok, error, failed)',
      labelNames: ['subject', 'outcome'],
      registers: [this.registry],
    });
    this.natsDuration = new Histogram({
      name: 'llmlab_nats_request_duration_seconds',
      help: 'NATS request handling duration',
      labelNames: ['subject'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [this.registry],
    });
  }
}
