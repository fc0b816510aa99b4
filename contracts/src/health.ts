import { defineSubject, Subject } from './messaging';
import type { DomainServiceName } from './services';

export interface DependencyHealth {
  name: string;
  up: boolean;
  latencyMs: number;
  error?: string;
}

/** What a domain service answers when the gateway asks whether it is ready. */
export interface ServiceHealth {
  service: DomainServiceName;
  ready: boolean;
  /** Instance id, so a reply can be told apart from another replica's. */
  instance: string;
  uptimeSeconds: number;
  dependencies: DependencyHealth[];
}

/** `<service>.query.health`: answered by every replica of every domain service. */
export function healthSubject(service: DomainServiceName): Subject<Record<string, never>, ServiceHealth> {
  return defineSubject(`${service}.query.health`);
}
