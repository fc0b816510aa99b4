/**
 * The eight services (DESIGN.md section 1). The gateway is the edge; the seven others own domains. The proxy is an
 * edge too for the OpenAI and Anthropic clients it serves on its own port, and a domain service for the rest.
 */
export const SERVICE_NAMES = ['gateway', 'auth', 'ingestion', 'provider-sync', 'recommendations', 'alerts', 'audit', 'proxy'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const DOMAIN_SERVICES = SERVICE_NAMES.filter((s) => s !== 'gateway') as Exclude<ServiceName, 'gateway'>[];
export type DomainServiceName = Exclude<ServiceName, 'gateway'>;

/** Default HTTP ports: the gateway's public API, and each service's own health/metrics listener. */
export const DEFAULT_HTTP_PORTS: Record<ServiceName, number> = {
  gateway: 3000,
  auth: 3101,
  ingestion: 3102,
  'provider-sync': 3103,
  recommendations: 3104,
  alerts: 3105,
  audit: 3106,
  proxy: 3107,
};

/** The proxy's data path (`/proxy/*`), on a port of its own: its `HTTP_PORT` serves health and metrics. */
export const DEFAULT_PROXY_PORT = 3008;
