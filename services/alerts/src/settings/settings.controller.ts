import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { alertsSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest, natsSubject } from '@llmlab/messaging';
import { organizationScope } from '../shared/tenancy';
import { SettingsHandler } from './settings.handler';
import { SettingsRepository } from './settings.repository';

@Controller()
export class SettingsController {
  constructor(
    private readonly handler: SettingsHandler,
    private readonly settings: SettingsRepository,
  ) {}

  @MessagePattern(natsSubject(s.getSettings))
  get(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.getSettings>>) {
    return handleRequest(s.getSettings, envelope, (_p, ctx) => this.settings.get(organizationScope(ctx)));
  }

  @MessagePattern(natsSubject(s.updateSettings))
  update(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.updateSettings>>) {
    return handleRequest(s.updateSettings, envelope, (p, ctx) => this.handler.update(p, ctx));
  }
}
