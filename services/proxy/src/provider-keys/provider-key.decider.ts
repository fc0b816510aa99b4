import type { ProxyProvider, ProviderKeyEvent, SealedProviderKey } from '@llmlab/contracts';
import { assertUnreachable, type Decider } from '@llmlab/domain';
import { providerKeyNotFound } from '../proxy.errors';

/** Commands carry what the handler checked outside: the key's shape, sealed; the baseUrl allowed by the SSRF rules. */
export type ProviderKeyCommand =
  | {
      type: 'StoreProviderKey';
      data: {
        providerKeyId: string;
        organizationId: string;
        projectId: string;
        provider: ProxyProvider;
        baseUrl: string | null;
        sealed: SealedProviderKey;
        keyHint: string;
        actorId: string;
        at: string;
      };
    }
  | { type: 'RemoveProviderKey'; data: { organizationId: string; actorId: string; at: string } };

export interface ProviderKeyState {
  /** The key stored now, or null (never stored, or removed). */
  current: { providerKeyId: string; organizationId: string; projectId: string; provider: ProxyProvider } | null;
}

function decide(command: ProviderKeyCommand, state: ProviderKeyState): ProviderKeyEvent[] {
  switch (command.type) {
    case 'StoreProviderKey': {
      const d = command.data;
      return [
        {
          type: 'ProviderKeyStored',
          data: {
            providerKeyId: d.providerKeyId,
            organizationId: d.organizationId,
            projectId: d.projectId,
            provider: d.provider,
            baseUrl: d.baseUrl,
            sealed: d.sealed,
            keyHint: d.keyHint,
            replacedProviderKeyId: state.current?.providerKeyId ?? null,
            storedBy: d.actorId,
            storedAt: d.at,
          },
        },
      ];
    }
    case 'RemoveProviderKey': {
      const current = state.current;
      if (!current || current.organizationId !== command.data.organizationId) throw providerKeyNotFound();
      return [
        {
          type: 'ProviderKeyRemoved',
          data: { ...current, removedBy: command.data.actorId, at: command.data.at },
        },
      ];
    }
    default:
      return assertUnreachable(command);
  }
}

function evolve(state: ProviderKeyState, event: ProviderKeyEvent): ProviderKeyState {
  switch (event.type) {
    case 'ProviderKeyStored': {
      const { providerKeyId, organizationId, projectId, provider } = event.data;
      return { current: { providerKeyId, organizationId, projectId, provider } };
    }
    case 'ProviderKeyRemoved':
      return { current: null };
    default:
      return assertUnreachable(event);
  }
}

/** A project's key for one provider: stored, replaced by storing again, removed. */
export const providerKeyDecider: Decider<ProviderKeyCommand, ProviderKeyEvent, ProviderKeyState> = {
  decide,
  evolve,
  initialState: () => ({ current: null }),
};
