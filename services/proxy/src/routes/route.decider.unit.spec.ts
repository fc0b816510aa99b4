import type { RouteEvent } from '@llmlab/contracts';
import { deciderSpec } from '@llmlab/testing';
import { routeDecider, type RouteCommand } from './route.decider';

const spec = deciderSpec(routeDecider);
const ORG = '0192f3a1-0000-7000-8000-000000000001';
const PROJECT = '0192f3a1-0000-7000-8000-0000000000aa';
const ROUTE = '0192f3a1-0000-7000-8000-0000000000bb';
const at = '2026-12-06T09:00:00.000Z';
const targets = [
  { provider: 'openai' as const, model: 'gpt-4o-mini' },
  { provider: 'openai' as const, model: 'gpt-4.1-nano' },
];

const set = (request: Record<string, unknown>, newRouteId = ROUTE): RouteCommand => ({
  type: 'SetRoute',
  data: { newRouteId, organizationId: ORG, projectId: PROJECT, request, actorId: 'user:u1', at },
});
const routeSet = (model: string, routeId = ROUTE, timeoutMs: number | null = null): RouteEvent => ({
  type: 'RouteSet',
  data: { routeId, organizationId: ORG, projectId: PROJECT, model, targets, timeoutMs, setBy: 'user:u1', at },
});

describe('route decider', () => {
  it('sets a route, keeps its id when it is set again with changes, and records nothing when nothing changes', () => {
    spec
      .given([])
      .when(set({ model: 'chat-default', targets }))
      .then([routeSet('chat-default')]);
    spec
      .given([routeSet('chat-default')])
      .when(set({ model: 'chat-default', targets, timeoutMs: 30_000 }, 'another-id'))
      .then([routeSet('chat-default', ROUTE, 30_000)]);
    spec
      .given([routeSet('chat-default')])
      .when(set({ model: 'chat-default', targets }))
      .thenNothing();
  });

  it('names every invalid field, and refuses targets of another format than the first', () => {
    spec
      .given([])
      .when(set({ model: ' padded', targets: [{ provider: 'mistral', model: '' }], timeoutMs: 10 }))
      .thenThrows({
        code: 'PROXY_ROUTE_INVALID',
        errors: [{ field: '/model' }, { field: '/targets/0/provider' }, { field: '/targets/0/model' }, { field: '/timeoutMs' }],
      });
    spec
      .given([])
      .when(set({ model: 'mixed', targets: [targets[0], { provider: 'anthropic', model: 'claude-haiku-4-5' }] }))
      .thenThrows({ code: 'PROXY_ROUTE_INVALID', errors: [{ field: '/targets/1/provider' }] });
    spec
      .given([])
      .when(set({ model: 'many', targets: Array.from({ length: 6 }, () => targets[0]) }))
      .thenThrows({ code: 'PROXY_ROUTE_INVALID', errors: [{ field: '/targets' }] });
  });

  it('removes a route by id, and a route that is not there is not found', () => {
    const remove = (routeId: string): RouteCommand => ({
      type: 'RemoveRoute',
      data: { routeId, organizationId: ORG, projectId: PROJECT, actorId: 'user:u2', at },
    });
    spec
      .given([routeSet('chat-default')])
      .when(remove(ROUTE))
      .then([
        {
          type: 'RouteRemoved',
          data: { routeId: ROUTE, organizationId: ORG, projectId: PROJECT, model: 'chat-default', removedBy: 'user:u2', at },
        },
      ]);
    spec.given([]).when(remove(ROUTE)).thenThrows({ code: 'PROXY_ROUTE_NOT_FOUND' });
  });
});
