import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { alertsSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { SettingsHandler } from './settings.handler';
import { SettingsRepository } from './settings.repository';
import { organizationScope } from '@llmlab/domain';

@Controller()
export class SettingsController {
  constructor(
    private readonly handler: SettingsHandler,
    private readonly settings: SettingsRepository,
  ) {}

  @MessagePattern(s.getSettings.subject)
  get(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.getSettings>>) {
    return handleRequest(s.getSettings, envelope, (_p, ctx) => this.settings.get(organizationScope(ctx)));
  }

  @MessagePattern(s.updateSettings.subject)
  update(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.updateSettings>>) {
    return handleRequest(s.updateSettings, envelope, (p, ctx) => this.handler.update(p, ctx));
  }
}
