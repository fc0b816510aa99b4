import type { SessionEvent } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { sessionDecider } from './session.decider';

const spec = deciderSpec(sessionDecider);
const at = '2026-11-27T10:00:00.000Z';
const started: SessionEvent = { type: 'SessionStarted', data: { sessionId: 's-1', userId: 'u-1', method: 'login', startedAt: at } };
const revoked: SessionEvent = {
  type: 'SessionRevoked',
  data: { sessionId: 's-1', userId: 'u-1', reason: 'refresh_token_reuse', revokedAt: at },
};

describe('session decider', () => {
  it('starts a session once; a login is also recorded as the security event UserLoggedIn', () => {
    spec
      .given([])
      .when({ type: 'StartSession', data: { sessionId: 's-1', userId: 'u-1', method: 'login', at } })
      .then([started, { type: 'UserLoggedIn', data: { sessionId: 's-1', userId: 'u-1', loggedInAt: at } }]);
    spec
      .given([])
      .when({ type: 'StartSession', data: { sessionId: 's-1', userId: 'u-1', method: 'signup', at } })
      .then([{ type: 'SessionStarted', data: { sessionId: 's-1', userId: 'u-1', method: 'signup', startedAt: at } }]);
    spec
      .given([started])
      .when({ type: 'StartSession', data: { sessionId: 's-1', userId: 'u-1', method: 'login', at } })
      .thenNothing();
  });

  it('records refreshes of a live session, and refuses them once revoked', () => {
    spec
      .given([started])
      .when({ type: 'RecordRefresh', data: { at } })
      .then([{ type: 'SessionRefreshed', data: { sessionId: 's-1', userId: 'u-1', refreshedAt: at } }]);
    spec.given([started, revoked]).when({ type: 'RecordRefresh', data: { at } }).thenThrows({ code: 'INVALID_REFRESH_TOKEN' });
  });

  it('revokes with the reason, once', () => {
    spec
      .given([started])
      .when({ type: 'RevokeSession', data: { reason: 'refresh_token_reuse', at } })
      .then([revoked]);
    spec
      .given([started, revoked])
      .when({ type: 'RevokeSession', data: { reason: 'logout', at } })
      .thenNothing();
  });

  it('revokes a live session on erasure', () => {
    spec
      .given([started])
      .when({ type: 'RevokeSession', data: { reason: 'erasure', at } })
      .then([{ type: 'SessionRevoked', data: { sessionId: 's-1', userId: 'u-1', reason: 'erasure', revokedAt: at } }]);
  });
});
