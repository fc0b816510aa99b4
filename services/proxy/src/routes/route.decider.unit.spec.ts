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

  it('names every invalid field, an unknown provider at any place included', () => {
    spec
      .given([])
      .when(set({ model: ' padded', targets: [{ provider: 'acme', model: '' }], timeoutMs: 10 }))
      .thenThrows({
        code: 'PROXY_ROUTE_INVALID',
        errors: [{ field: '/model' }, { field: '/targets/0/provider' }, { field: '/targets/0/model' }, { field: '/timeoutMs' }],
      });
    spec
      .given([])
      .when(set({ model: 'mixed', targets: [targets[0], { provider: 'acme', model: 'acme-small' }] }))
      .thenThrows({ code: 'PROXY_ROUTE_INVALID', errors: [{ field: '/targets/1/provider' }] });
    spec
      .given([])
      .when(set({ model: 'many', targets: Array.from({ length: 6 }, () => targets[0]) }))
      .thenThrows({ code: 'PROXY_ROUTE_INVALID', errors: [{ field: '/targets' }] });
  });

  it('takes targets of both formats, in any order: the proxy translates a chat call for the other one', () => {
    const mixed = [
      { provider: 'openai' as const, model: 'gpt-4o-mini' },
      { provider: 'anthropic' as const, model: 'claude-haiku-4-5' },
      { provider: 'openai' as const, model: 'gpt-4.1-nano' },
    ];
    spec
      .given([])
      .when(set({ model: 'mixed', targets: mixed }))
      .then([
        {
          type: 'RouteSet',
          data: {
            routeId: ROUTE,
            organizationId: ORG,
            projectId: PROJECT,
            model: 'mixed',
            targets: mixed,
            timeoutMs: null,
            setBy: 'user:u1',
            at,
          },
        },
      ]);
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

  it('keeps one route per model and feature; applying a recommendation never replaces a route set by hand or for another', () => {
    const REC = '0192f3a1-0000-7000-8000-0000000000cc';
    const FEATURE_ROUTE = '0192f3a1-0000-7000-8000-0000000000dd';
    const one = [{ provider: 'openai' as const, model: 'gpt-4o-mini' }];
    const applied: RouteEvent = {
      type: 'RouteSet',
      data: {
        routeId: FEATURE_ROUTE,
        organizationId: ORG,
        projectId: PROJECT,
        model: 'gpt-4o',
        feature: 'classify',
        targets: one,
        timeoutMs: null,
        recommendationId: REC,
        setBy: 'user:u1',
        at,
      },
    };
    // Beside the model's route for every call, a route for one feature is another route.
    spec
      .given([routeSet('gpt-4o')])
      .when(set({ model: 'gpt-4o', feature: 'classify', targets: one, recommendationId: REC }, FEATURE_ROUTE))
      .then([applied]);
    // Applying again: nothing; set by hand: it keeps the recommendation it applies.
    spec
      .given([applied])
      .when(set({ model: 'gpt-4o', feature: 'classify', targets: one, recommendationId: REC }, 'unused'))
      .thenNothing();
    spec
      .given([applied])
      .when(set({ model: 'gpt-4o', feature: 'classify', targets, timeoutMs: 5_000 }, 'unused'))
      .then([{ ...applied, data: { ...applied.data, targets, timeoutMs: 5_000 } }]);
    // The model's route for every call was set by hand: applying a recommendation there is refused.
    spec
      .given([routeSet('gpt-4o')])
      .when(set({ model: 'gpt-4o', targets: one, recommendationId: REC }))
      .thenThrows({ code: 'PROXY_ROUTE_TAKEN' });
    spec
      .given([])
      .when(set({ model: 'gpt-4o', feature: 'x'.repeat(257), targets: one, recommendationId: 'not-an-id' }))
      .thenThrows({ code: 'PROXY_ROUTE_INVALID', errors: [{ field: '/feature' }, { field: '/recommendationId' }] });
    // Removing the feature's route leaves the model's.
    spec
      .given([routeSet('gpt-4o'), applied])
      .when({ type: 'RemoveRoute', data: { routeId: FEATURE_ROUTE, organizationId: ORG, projectId: PROJECT, actorId: 'user:u2', at } })
      .then([
        {
          type: 'RouteRemoved',
          data: {
            routeId: FEATURE_ROUTE,
            organizationId: ORG,
            projectId: PROJECT,
            model: 'gpt-4o',
            feature: 'classify',
            removedBy: 'user:u2',
            at,
          },
        },
      ]);
  });
});
