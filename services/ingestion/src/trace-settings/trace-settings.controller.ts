import { ingestionSubjects as s, type RequestEnvelope, type RequestOf } from '@llmlab/contracts';
import { handleRequest } from '@llmlab/messaging';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { SpanContentErasure } from '../traces/span-content.erasure';
import { TraceSettingsHandler } from './trace-settings.handler';

/** Content capture settings (the context's organization) and erasure of captured text (the context's project). */
@Controller()
export class TraceSettingsController {
  constructor(
    private readonly settings: TraceSettingsHandler,
    private readonly erasure: SpanContentErasure,
  ) {}

  @MessagePattern(s.traceSettings.subject)
  get(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.traceSettings>>) {
    return handleRequest(s.traceSettings, envelope, (_p, ctx) => this.settings.get(ctx));
  }

  @MessagePattern(s.updateTraceSettings.subject)
  update(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.updateTraceSettings>>) {
    return handleRequest(s.updateTraceSettings, envelope, (p, ctx) => this.settings.update(p, ctx));
  }

  @MessagePattern(s.eraseTraceContent.subject)
  eraseTrace(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.eraseTraceContent>>) {
    return handleRequest(s.eraseTraceContent, envelope, (p, ctx) => this.erasure.eraseTrace(p, ctx));
  }

  @MessagePattern(s.eraseEndUserContent.subject)
  eraseEndUser(@Payload() envelope: RequestEnvelope<RequestOf<typeof s.eraseEndUserContent>>) {
    return handleRequest(s.eraseEndUserContent, envelope, (p, ctx) => this.erasure.eraseEndUser(p, ctx));
  }
}
