import { render } from '@testing-library/react';
import { createMemoryRouter } from 'react-router';
import { vi } from 'vitest';
import { App, createQueryClient } from './app/App';
import { routes } from './app/router';
import { clearSession } from './shared/auth/session';

type Handler = (request: Request, url: URL) => unknown;
export interface Call {
  method: string;
  path: string;
  search: string;
  headers: Headers;
  body: unknown;
}

/**
 * Stands in for the gateway: `routes` maps `METHOD /path` (path parameters as `*`) to an answer, a JSON body with
 * status 200, or a Response. Unmatched requests answer 404. Every call is recorded.
 */
export function mockApi(routes: Record<string, unknown | Handler>): Call[] {
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost:3000'), init);
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : await request.clone().text();
    calls.push({
      method: request.method,
      path: url.pathname,
      search: url.search,
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    });
    const key = Object.keys(routes).find((k) => {
      const [method, pattern] = k.split(' ');
      const re = new RegExp(`^${pattern.replace(/[.?+^$|()[\]{}]/g, '\\$&').replace(/\*/g, '[^/]+')}$`);
      return method === request.method && re.test(url.pathname);
    });
    if (!key)
      return new Response(JSON.stringify({ status: 404, code: 'NOT_FOUND', title: 'Not Found', detail: url.pathname }), { status: 404 });
    const route = routes[key];
    const answer = typeof route === 'function' ? await (route as Handler)(request, url) : route;
    if (answer instanceof Response) return answer;
    return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}

export const SESSION = { accessToken: 'eyJhbGciOiJSUzI1NiJ9.test.sig', tokenType: 'Bearer', expiresIn: 900 };
export const ORG = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50';
export const PROJECT = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f51';

/** The routes every signed-in page asks for: a session cookie that works, the user, one organization, one project. */
export function signedIn(extra: Record<string, unknown> = {}) {
  return mockApi({
    'POST /v1/auth/session/refresh': SESSION,
    'GET /v1/me': {
      type: 'user',
      user: { id: 'u1', email: 'ada@example.com', name: 'Ada', createdAt: '2026-12-01T00:00:00Z', emailVerified: true },
      memberships: [{ organizationId: ORG, organizationName: 'Acme', role: 'owner' }],
    },
    'GET /v1/organizations': {
      data: [{ id: ORG, name: 'Acme', role: 'owner', createdAt: '2026-12-01T00:00:00Z', rateLimits: {}, revision: 0 }],
    },
    'GET /v1/organizations/*/projects': {
      data: [
        {
          id: PROJECT,
          organizationId: ORG,
          name: 'checkout-bot',
          description: '',
          createdAt: '2026-12-01T00:00:00Z',
          updatedAt: '',
          archivedAt: null,
          revision: 0,
        },
      ],
    },
    ...extra,
  });
}

/** The whole app (providers, route table, lazy pages) at `url`, in memory. */
export function renderApp(url: string) {
  clearSession();
  const router = createMemoryRouter(routes, { initialEntries: [url] });
  return { router, ...render(<App queryClient={createQueryClient()} router={router} />) };
}
