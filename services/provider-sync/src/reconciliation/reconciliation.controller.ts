import { reconciliationSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { organizationScope } from '@llmlab/domain';
import { handleRequest } from '@llmlab/messaging';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ReconciliationSettingsHandler } from './reconciliation-settings.handler';
import { ReconciliationQueries } from './reconciliation.queries';

@Controller()
export class ReconciliationController {
  constructor(private readonly queries: ReconciliationQueries) {}

  @MessagePattern(s.reconciliation.subject)
  reconciliation(@Payload() e: RequestEnvelope<RequestOf<typeof s.reconciliation>>) {
    return handleRequest(s.reconciliation, e, (p, ctx) => this.queries.report(organizationScope(ctx), p, ctx));
  }

  @MessagePattern(s.tokenReconciliation.subject)
  tokens(@Payload() e: RequestEnvelope<RequestOf<typeof s.tokenReconciliation>>) {
    return handleRequest(s.tokenReconciliation, e, (p, ctx) => this.queries.tokens(organizationScope(ctx), p, ctx));
  }
}

@Controller()
export class ReconciliationSettingsController {
  constructor(private readonly settings: ReconciliationSettingsHandler) {}

  @MessagePattern(s.getSettings.subject)
  getSettings(@Payload() e: RequestEnvelope<RequestOf<typeof s.getSettings>>) {
    return handleRequest(s.getSettings, e, (_p, ctx) => this.settings.get(organizationScope(ctx)));
  }

  @MessagePattern(s.updateSettings.subject)
  updateSettings(@Payload() e: RequestEnvelope<RequestOf<typeof s.updateSettings>>) {
    return handleRequest(s.updateSettings, e, (p, ctx) => this.settings.update(p, ctx));
  }
}
