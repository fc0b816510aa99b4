import { Injectable } from '@nestjs/common';
import { alertsStreams, type AlertSettingsView, type RequestContext, type UpdateAlertSettingsRequest } from '@llmlab/contracts';
import { metadataFromContext, CommandRunner } from '@llmlab/service-kit';
import { actorId } from '../shared/actor-id';
import { WriteEffects } from '@llmlab/messaging';
import { settingsDecider } from './settings.decider';
import { SettingsRepository } from './settings.repository';
import { organizationScope } from '@llmlab/domain';

@Injectable()
export class SettingsHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly effects: WriteEffects,
    private readonly settings: SettingsRepository,
  ) {}

  async update(request: UpdateAlertSettingsRequest, context: RequestContext): Promise<AlertSettingsView> {
    const tenant = organizationScope(context);
    const result = await this.runner.run(
      alertsStreams.settings(tenant.organizationId),
      settingsDecider,
      {
        type: 'UpdateSettings',
        data: {
          organizationId: tenant.organizationId,
          actorId: actorId(context),
          at: new Date().toISOString(),
          timeZone: request.timeZone,
          rules: request.rules,
        },
      },
      { metadata: metadataFromContext(), expectedRevision: request.expectedRevision },
    );
    await this.effects.settle(result.position);
    return this.settings.get(tenant);
  }
}
