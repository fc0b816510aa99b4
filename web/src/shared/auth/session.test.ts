import { accessToken, clearSession, hasSession, refreshSession } from './session';
import { mockApi, SESSION } from '../../test-utils';

describe('the browser session', () => {
  beforeEach(() => {
    clearSession();
    localStorage.clear();
    sessionStorage.clear();
  });

  it('refreshes once for concurrent callers (a refresh token used twice would revoke the session)', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const calls = mockApi({
      'POST /v1/auth/session/refresh': async () => {
        await gate;
        return new Response(JSON.stringify(SESSION), { status: 200 });
      },
    });
    const both = Promise.all([refreshSession(), refreshSession(), accessToken()]);
    release();
    expect(await both).toEqual([SESSION.accessToken, SESSION.accessToken, SESSION.accessToken]);
    expect(calls.filter((c) => c.path === '/v1/auth/session/refresh')).toHaveLength(1);
    expect(calls[0].headers.get('x-llmlab-csrf')).toBe('1');
    // Held in memory only.
    expect(hasSession()).toBe(true);
    expect(JSON.stringify({ ...localStorage, ...sessionStorage })).not.toContain(SESSION.accessToken);
    expect(document.cookie).toBe('');
  });

  it('is signed out when the cookie is refused', async () => {
    mockApi({ 'POST /v1/auth/session/refresh': new Response('{"code":"UNAUTHENTICATED"}', { status: 401 }) });
    expect(await refreshSession()).toBeNull();
    expect(hasSession()).toBe(false);
  });
});
