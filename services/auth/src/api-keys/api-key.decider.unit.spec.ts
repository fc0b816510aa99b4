import type { ApiKeyEvent } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { apiKeyDecider, type ApiKeyCommand } from './api-key.decider';

const spec = deciderSpec(apiKeyDecider);
const at = '2026-11-27T10:00:00.000Z';
const create = (overrides: Partial<Extract<ApiKeyCommand, { type: 'CreateApiKey' }>['data']> = {}): ApiKeyCommand => ({
  type: 'CreateApiKey',
  data: {
    apiKeyId: 'k-1',
    organizationId: 'org-1',
    projectId: 'p-1',
    projectArchived: false,
    name: ' server ',
    prefix: 'llm_live_AbCd1234',
    hash: 'a'.repeat(64),
    scopes: ['read', 'ingest', 'read'],
    expiresAt: null,
    actorId: 'u-1',
    actorRole: 'admin',
    at,
    ...overrides,
  },
});
const created: ApiKeyEvent = {
  type: 'ApiKeyCreated',
  data: {
    apiKeyId: 'k-1',
    organizationId: 'org-1',
    projectId: 'p-1',
    name: 'server',
    prefix: 'llm_live_AbCd1234',
    hash: 'a'.repeat(64),
    scopes: ['read', 'ingest'],
    expiresAt: null,
    createdBy: 'u-1',
    createdAt: at,
  },
};
const revoke = (projectId = 'p-1', actorRole: 'admin' | 'member' = 'admin'): ApiKeyCommand => ({
  type: 'RevokeApiKey',
  data: { projectId, actorId: 'u-2', actorRole, at },
});

describe('API key decider', () => {
  it('records the key by prefix and hash, with its scopes once each', () => spec.given([]).when(create()).then([created]));

  it('is for admins', () =>
    spec
      .given([])
      .when(create({ actorRole: 'member' }))
      .thenThrows({ code: 'API_KEY_FORBIDDEN' }));

  it('answers a non-member as if the project did not exist', () =>
    spec
      .given([])
      .when(create({ actorRole: null }))
      .thenThrows({ code: 'PROJECT_NOT_FOUND' }));

  it('refuses keys for an archived project', () =>
    spec
      .given([])
      .when(create({ projectArchived: true }))
      .thenThrows({ code: 'PROJECT_ARCHIVED' }));

  it('refuses no scope, or an unknown one', () => {
    spec
      .given([])
      .when(create({ scopes: [] }))
      .thenThrows({ code: 'API_KEY_INVALID', errors: [{ field: '/scopes' }] });
    spec
      .given([])
      .when(create({ scopes: ['write' as never] }))
      .thenThrows({ code: 'API_KEY_INVALID' });
  });

  it('refuses an expiry that is not in the future', () =>
    spec
      .given([])
      .when(create({ expiresAt: at }))
      .thenThrows({ code: 'API_KEY_INVALID', errors: [{ field: '/expiresAt', message: 'must be in the future' }] }));

  it('revokes, with the prefix so caches can be dropped; revoking again changes nothing', () => {
    const revoked: ApiKeyEvent = {
      type: 'ApiKeyRevoked',
      data: { apiKeyId: 'k-1', organizationId: 'org-1', projectId: 'p-1', prefix: 'llm_live_AbCd1234', revokedBy: 'u-2', revokedAt: at },
    };
    spec.given([created]).when(revoke()).then([revoked]);
    spec.given([created, revoked]).when(revoke()).thenNothing();
  });

  it('answers a key of another project as not found', () =>
    spec.given([created]).when(revoke('p-2')).thenThrows({ code: 'API_KEY_NOT_FOUND' }));

  it('does not let a member revoke', () => spec.given([created]).when(revoke('p-1', 'member')).thenThrows({ code: 'API_KEY_FORBIDDEN' }));
});
