import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { routeSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { RoutesHandler } from './routes.handler';

@Controller()
export class RoutesController {
  constructor(private readonly routes: RoutesHandler) {}

  @MessagePattern(s.setRoute.subject)
  set(@Payload() e: RequestEnvelope<RequestOf<typeof s.setRoute>>) {
    return handleRequest(s.setRoute, e, (p, ctx) => this.routes.set(p, ctx));
  }

  @MessagePattern(s.listRoutes.subject)
  list(@Payload() e: RequestEnvelope<RequestOf<typeof s.listRoutes>>) {
    return handleRequest(s.listRoutes, e, (_p, ctx) => this.routes.list(ctx));
  }

  @MessagePattern(s.removeRoute.subject)
  remove(@Payload() e: RequestEnvelope<RequestOf<typeof s.removeRoute>>) {
    return handleRequest(s.removeRoute, e, (p, ctx) => this.routes.remove(p, ctx));
  }
}
