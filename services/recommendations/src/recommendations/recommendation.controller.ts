import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { recommendationsSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { organizationScope, projectScope } from '@llmlab/domain';
import { handleRequest } from '@llmlab/messaging';
import { RecommendationHandler } from './recommendation.handler';
import { RecommendationQueries } from './recommendation.queries';
import { WhatIfQueries } from '../what-if/what-if.queries';
import { ForecastQueries } from '../forecasts/forecast.queries';
import { ModelEquivalenceHandler } from '../model-equivalence/model-equivalence.handler';
import { RouteTrafficQueries } from '../traffic/route-traffic.queries';

@Controller()
export class RecommendationController {
  constructor(
    private readonly queries: RecommendationQueries,
    private readonly handler: RecommendationHandler,
    private readonly whatIfQueries: WhatIfQueries,
    private readonly forecasts: ForecastQueries,
    private readonly equivalence: ModelEquivalenceHandler,
    private readonly routeTrafficQueries: RouteTrafficQueries,
  ) {}

  @MessagePattern(s.listProject.subject)
  listProject(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listProject>>) {
    return handleRequest(s.listProject, envelope, (p, ctx) => this.queries.listProject(projectScope(ctx), p));
  }

  @MessagePattern(s.listOrganization.subject)
  listOrganization(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listOrganization>>) {
    return handleRequest(s.listOrganization, envelope, (p, ctx) => this.queries.listOrganization(organizationScope(ctx), p));
  }

  @MessagePattern(s.get.subject)
  get(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.get>>) {
    return handleRequest(s.get, envelope, (p, ctx) => this.queries.get(organizationScope(ctx), p.recommendationId));
  }

  @MessagePattern(s.accept.subject)
  accept(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.accept>>) {
    return handleRequest(s.accept, envelope, (p, ctx) => this.handler.accept(p, ctx));
  }

  @MessagePattern(s.apply.subject)
  apply(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.apply>>) {
    return handleRequest(s.apply, envelope, (p, ctx) => this.handler.apply(p, ctx));
  }

  @MessagePattern(s.dismiss.subject)
  dismiss(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.dismiss>>) {
    return handleRequest(s.dismiss, envelope, (p, ctx) => this.handler.dismiss(p, ctx));
  }

  @MessagePattern(s.refresh.subject)
  refresh(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.refresh>>) {
    return handleRequest(s.refresh, envelope, (_p, ctx) => this.handler.refresh(projectScope(ctx)));
  }

  @MessagePattern(s.getModelEquivalence.subject)
  getModelEquivalence(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.getModelEquivalence>>) {
    return handleRequest(s.getModelEquivalence, envelope, (_p, ctx) => this.equivalence.view(organizationScope(ctx)));
  }

  @MessagePattern(s.updateModelEquivalence.subject)
  updateModelEquivalence(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.updateModelEquivalence>>) {
    return handleRequest(s.updateModelEquivalence, envelope, (p, ctx) => this.equivalence.update(p, ctx));
  }

  @MessagePattern(s.forecast.subject)
  forecast(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.forecast>>) {
    return handleRequest(s.forecast, envelope, (_p, ctx) => this.forecasts.forecast(ctx));
  }

  @MessagePattern(s.routeTraffic.subject)
  routeTraffic(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.routeTraffic>>) {
    return handleRequest(s.routeTraffic, envelope, (p, ctx) => this.routeTrafficQueries.routeTraffic(ctx, p));
  }

  @MessagePattern(s.whatIf.subject)
  whatIf(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.whatIf>>) {
    return handleRequest(s.whatIf, envelope, (p, ctx) => this.whatIfQueries.whatIf(ctx, p));
  }

  @MessagePattern(s.resolveOwner.subject)
  resolveOwner(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.resolveOwner>>) {
    return handleRequest(s.resolveOwner, envelope, (p) => this.queries.owner(p.id));
  }
}
