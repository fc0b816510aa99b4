import { PROVIDERS, type ProjectMapping, type Provider, type ProviderConnectionEvent, type SealedCredentials } from '@llmlab/contracts';
import { assertUnreachable, FieldErrors, isUuid, type Decider } from '@llmlab/domain';
import { connectionNotFound, invalidConnection } from './provider-sync.errors';

/**
 * Commands carry what the handler checked outside (the key accepted by the provider, sealed; the baseUrl allowed):
 * the decider validates the shape of names and mappings and decides which events a change makes.
 */
export type ConnectionCommand =
  | {
      type: 'RegisterConnection';
      data: {
        connectionId: string;
        organizationId: string;
        provider: Provider;
        name: unknown;
        baseUrl: string | null;
        credentials: SealedCredentials;
        keyHint: string;
        mappings: unknown;
        syncEnabled: unknown;
        actorId: string;
        at: string;
      };
    }
  | {
      type: 'UpdateConnection';
      data: {
        organizationId: string;
        name?: unknown;
        credentials?: { sealed: SealedCredentials; keyHint: string };
        mappings?: unknown;
        syncEnabled?: unknown;
        actorId: string;
        at: string;
      };
    }
  | { type: 'RemoveConnection'; data: { organizationId: string; actorId: string; at: string } };

export interface ConnectionState {
  exists: boolean;
  removed: boolean;
  connectionId: string;
  organizationId: string;
  provider: Provider | null;
  name: string;
  baseUrl: string | null;
  credentials: SealedCredentials | null;
  keyHint: string;
  mappings: ProjectMapping[];
  syncEnabled: boolean;
  createdAt: string;
}

const initialState = (): ConnectionState => ({
  exists: false,
  removed: false,
  connectionId: '',
  organizationId: '',
  provider: null,
  name: '',
  baseUrl: null,
  credentials: null,
  keyHint: '',
  mappings: [],
  syncEnabled: true,
  createdAt: '',
});

export const isProvider = (value: unknown): value is Provider => (PROVIDERS as readonly unknown[]).includes(value);

function checkName(value: unknown, errors: FieldErrors): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > 100) {
    errors.add('/name', 'must be a string of 1 to 100 characters');
    return '';
  }
  return value.trim();
}

function checkMappings(value: unknown, errors: FieldErrors): ProjectMapping[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 500) {
    errors.add('/mappings', 'must be an array of at most 500 { externalId, projectId }');
    return [];
  }
  const seen = new Set<string>();
  return value.flatMap((entry: unknown, i) => {
    const m = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof m.externalId !== 'string' || m.externalId.length === 0 || m.externalId.length > 200) {
      errors.add(`/mappings/${i}/externalId`, 'must be the provider project or workspace id');
      return [];
    }
    if (!isUuid(m.projectId)) {
      errors.add(`/mappings/${i}/projectId`, 'must be a project id (UUID)');
      return [];
    }
    if (seen.has(m.externalId)) {
      errors.add(`/mappings/${i}/externalId`, 'is mapped twice');
      return [];
    }
    seen.add(m.externalId);
    return [{ externalId: m.externalId, projectId: m.projectId }];
  });
}

function checkSyncEnabled(value: unknown, errors: FieldErrors): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') errors.add('/syncEnabled', 'must be a boolean');
  return value === true;
}

const sameMappings = (a: ProjectMapping[], b: ProjectMapping[]) => JSON.stringify(a) === JSON.stringify(b);

function decide(command: ConnectionCommand, state: ConnectionState): ProviderConnectionEvent[] {
  switch (command.type) {
    case 'RegisterConnection': {
      const d = command.data;
      if (state.exists) return [];
      const errors = new FieldErrors();
      const name = checkName(d.name, errors);
      const mappings = checkMappings(d.mappings, errors);
      const syncEnabled = checkSyncEnabled(d.syncEnabled, errors);
      if (!errors.empty) throw invalidConnection(errors.errors);
      return [
        {
          type: 'ProviderConnectionRegistered',
          data: {
            connectionId: d.connectionId,
            organizationId: d.organizationId,
            provider: d.provider,
            name,
            baseUrl: d.baseUrl,
            credentials: d.credentials,
            keyHint: d.keyHint,
            mappings,
            syncEnabled,
            registeredBy: d.actorId,
            registeredAt: d.at,
          },
        },
      ];
    }
    case 'UpdateConnection': {
      const d = command.data;
      if (!state.exists || state.removed || state.organizationId !== d.organizationId) throw connectionNotFound();
      const errors = new FieldErrors();
      const base = { connectionId: state.connectionId, organizationId: state.organizationId };
      const events: ProviderConnectionEvent[] = [];
      if (d.name !== undefined) {
        const name = checkName(d.name, errors);
        if (name && name !== state.name) events.push({ type: 'ProviderConnectionRenamed', data: { ...base, name, at: d.at } });
      }
      if (d.mappings !== undefined) {
        const mappings = checkMappings(d.mappings, errors);
        if (!sameMappings(mappings, state.mappings))
          events.push({ type: 'ProviderConnectionMappingsChanged', data: { ...base, mappings, at: d.at } });
      }
      if (d.syncEnabled !== undefined) {
        const syncEnabled = checkSyncEnabled(d.syncEnabled, errors);
        if (syncEnabled !== state.syncEnabled)
          events.push({ type: 'ProviderConnectionSyncEnabledChanged', data: { ...base, syncEnabled, at: d.at } });
      }
      if (!errors.empty) throw invalidConnection(errors.errors);
      if (d.credentials) {
        events.push({
          type: 'ProviderConnectionCredentialsRotated',
          data: { ...base, credentials: d.credentials.sealed, keyHint: d.credentials.keyHint, rotatedBy: d.actorId, at: d.at },
        });
      }
      return events;
    }
    case 'RemoveConnection': {
      const d = command.data;
      if (!state.exists || state.organizationId !== d.organizationId) throw connectionNotFound();
      if (state.removed) return [];
      return [
        {
          type: 'ProviderConnectionRemoved',
          data: { connectionId: state.connectionId, organizationId: state.organizationId, removedBy: d.actorId, at: d.at },
        },
      ];
    }
    default:
      return assertUnreachable(command);
  }
}

function evolve(state: ConnectionState, event: ProviderConnectionEvent): ConnectionState {
  switch (event.type) {
    case 'ProviderConnectionRegistered': {
      const d = event.data;
      return {
        ...state,
        exists: true,
        connectionId: d.connectionId,
        organizationId: d.organizationId,
        provider: d.provider,
        name: d.name,
        baseUrl: d.baseUrl,
        credentials: d.credentials,
        keyHint: d.keyHint,
        mappings: d.mappings,
        syncEnabled: d.syncEnabled,
        createdAt: d.registeredAt,
      };
    }
    case 'ProviderConnectionRenamed':
      return { ...state, name: event.data.name };
    case 'ProviderConnectionCredentialsRotated':
      return { ...state, credentials: event.data.credentials, keyHint: event.data.keyHint };
    case 'ProviderConnectionMappingsChanged':
      return { ...state, mappings: event.data.mappings };
    case 'ProviderConnectionSyncEnabledChanged':
      return { ...state, syncEnabled: event.data.syncEnabled };
    case 'ProviderConnectionRemoved':
      return { ...state, removed: true };
    default:
      return assertUnreachable(event);
  }
}

/** One provider connection of an organization. */
export const connectionDecider: Decider<ConnectionCommand, ProviderConnectionEvent, ConnectionState> = { decide, evolve, initialState };
