/**
 * The event envelope every service writes and every consumer reads (DESIGN.md section 2).
 * Personal data never travels in `data` or `metadata` in clear: events carry ids.
 */
/**
 * `operator`: whoever runs the platform, authenticated at the gateway by OPERATOR_API_TOKEN (not a tenant's
 * user or key); its id is always `operator`, as the token names no one in particular.
 */
export type ActorType = 'user' | 'api_key' | 'operator' | 'system';

export interface Actor {
  type: ActorType;
  id: string;
}

export interface EventMetadata {
  actor: Actor;
  organizationId?: string;
  projectId?: string;
  correlationId: string;
  causationId?: string;
  ip?: string;
  userAgent?: string;
}

/** An event as it is handed to the store; id (UUID v7) is generated when absent. */
export interface NewEvent<TType extends string = string, TData = unknown> {
  id?: string;
  type: TType;
  /** Schema version of `data`, starting at 1. */
  version?: number;
  data: TData;
  metadata: EventMetadata;
}

/** An event as the store recorded it. Positions start at 1; revisions at 0. */
export interface RecordedEvent<TType extends string = string, TData = unknown> {
  id: string;
  type: TType;
  version: number;
  data: TData;
  metadata: EventMetadata;
  streamId: string;
  revision: number;
  position: number;
  /** RFC 3339 with milliseconds. */
  recordedAt: string;
  /** SHA-256 of this event chained to the previous one (hex); absent on stores without a chain. */
  hash?: string;
}

/** `<context>.<aggregate>-<id>`, e.g. `auth.project-0192...` */
export function streamName(context: string, aggregate: string, id: string): string {
  return `${context}.${aggregate}-${id}`;
}
