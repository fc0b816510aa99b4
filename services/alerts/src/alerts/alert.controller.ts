import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { alertsSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { AlertHandler } from './alert.handler';
import { AlertQueries } from './alert.queries';
import { organizationScope } from '@llmlab/domain';

@Controller()
export class AlertController {
  constructor(
    private readonly handler: AlertHandler,
    private readonly queries: AlertQueries,
  ) {}

  @MessagePattern(s.listAlerts.subject)
  list(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listAlerts>>) {
    return handleRequest(s.listAlerts, envelope, (p, ctx) => this.queries.list(organizationScope(ctx), p));
  }

  @MessagePattern(s.getAlert.subject)
  get(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.getAlert>>) {
    return handleRequest(s.getAlert, envelope, (p, ctx) => this.queries.get(organizationScope(ctx), p.alertId));
  }

  @MessagePattern(s.acknowledgeAlert.subject)
  acknowledge(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.acknowledgeAlert>>) {
    return handleRequest(s.acknowledgeAlert, envelope, (p, ctx) => this.handler.acknowledge(p, ctx));
  }

  @MessagePattern(s.listDeliveries.subject)
  deliveries(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.listDeliveries>>) {
    return handleRequest(s.listDeliveries, envelope, (p, ctx) => this.queries.deliveries(organizationScope(ctx), p.alertId));
  }
}
