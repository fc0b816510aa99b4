import { Injectable } from '@nestjs/common';
import type { SpanContentInput } from '@llmlab/contracts';

/** The prompt and completion text of one span, as the intake cut it. */
export interface SpanContent {
  readonly traceId: string;
  readonly spanId: string;
  /** The span's end user (`user.id`), so that their content can be erased across a project. */
  readonly userId?: string;
  readonly content: SpanContentInput;
}

/** Whose spans: the organization and project the gateway resolved from the API key. */
export interface SpanContentOwner {
  readonly organizationId: string;
  readonly projectId: string;
}

/**
 * Where the spans consumer hands each span's content after the spans were appended to the ledger, before the
 * message is acknowledged. Content is never in an event: the ledger keeps structure, the sink decides what (if
 * anything) of the text is kept. `keep` must be idempotent by (project, trace, span): a redelivered message hands
 * the same content again.
 *
 * An abstract class rather than an interface so that it is its own Nest injection token: a module replaces the
 * implementation with `{ provide: SpanContentSink, useClass: ... }`.
 */
export abstract class SpanContentSink {
  abstract keep(owner: SpanContentOwner, spans: readonly SpanContent[]): Promise<void>;
}

/**
 * The default: content is dropped. Keeping prompts and completions is an organization's choice (content capture,
 * stored encrypted); without it, nothing of the text outlives the message.
 */
@Injectable()
export class DroppingSpanContentSink extends SpanContentSink {
  keep(): Promise<void> {
    return Promise.resolve();
  }
}
