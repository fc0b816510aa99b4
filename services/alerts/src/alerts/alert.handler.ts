import { alertsStreams, type AlertRef, type AlertView, type RequestContext } from '@llmlab/contracts';
import { metadataFromContext } from '@llmlab/service-kit';
import type { CommandRunner } from '@llmlab/domain';
import { actorId, organizationScope } from '../shared/tenancy';
import { UUID } from '../shared/validation';
import type { WriteEffects } from '../shared/write-effects';
import { alertDecider } from './alert.decider';
import { alertNotFound } from './alert.errors';
import type { AlertQueries } from './alert.queries';

export class AlertHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects,
    private readonly queries: AlertQueries,
  ) {}

  /** Someone is on it: the alert stops counting as firing; it still resolves when its condition ends. */
  async acknowledge(request: AlertRef, context: RequestContext): Promise<AlertView> {
    const tenant = organizationScope(context);
    if (!UUID.test(String(request.alertId))) throw alertNotFound();
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
