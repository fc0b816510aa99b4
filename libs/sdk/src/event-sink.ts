import type { LLMLabContext } from './context';
import type { LLMLabError } from './errors';
import type { UsageEventInput } from './usage-event';

/** Where instrumentation hands its events and its troubles; the LLMLab client is the one implementation. */
export interface EventSink {
  submit(input: UsageEventInput, context: LLMLabContext): void;
  report(error: LLMLabError): void;
}
