import { Injectable } from '@nestjs/common';
import { alertsStreams, type AlertRef, type AlertView, type RequestContext } from '@llmlab/contracts';
import { metadataFromContext, CommandRunner } from '@llmlab/service-kit';
import { actorId } from '../shared/actor-id';
import { WriteEffects } from '@llmlab/messaging';
import { alertDecider } from './alert.decider';
import { alertNotFound } from './alert.errors';
import { AlertQueries } from './alert.queries';
import { organizationScope, isUuid } from '@llmlab/domain';

@Injectable()
export class AlertHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects,
    private readonly queries: AlertQueries,
  ) {}

  /** Someone is on it: the alert stops counting as firing; it still resolves when its condition ends. */
  async acknowledge(request: AlertRef, context: RequestContext): Promise<AlertView> {
    const tenant = organizationScope(context);
    if (!isUuid(request.alertId)) throw alertNotFound();
    const result = await this.runner.run(
      alertsStreams.alert(request.alertId),
      alertDecider,
      {
        type: 'AcknowledgeAlert',
        data: { organizationId: tenant.organizationId, actorId: actorId(context), at: new Date().toISOString() },
      },
      { metadata: metadataFromContext() },
    );
    await this.effects.settle(result.position);
    return this.queries.get(tenant, request.alertId);
  }
}
