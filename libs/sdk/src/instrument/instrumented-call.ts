import type { LLMLabContext } from '../context';
import { LLMLabError } from '../errors';
import type { EventSink } from '../event-sink';
import type { PromptPrefix } from '../usage-event';
import { asRecord, asString, type Outcome } from './operation';

export interface CallDescription {
  provider: string;
  operation: string;
  requestedModel: string;
  stream: boolean;
  promptPrefix?: PromptPrefix;
}

/** One provider call, from the moment `create` was invoked to its single usage event. */
export class InstrumentedCall {
  private readonly startedAt = performance.now();
  private readonly timestamp = new Date();
  private firstItemAt: number | undefined;
  private requestId: string | undefined;
  private settled = false;

  constructor(
    private readonly sink: EventSink,
    private readonly call: CallDescription,
    private readonly context: LLMLabContext,
  ) {}

  responded(headers: { get(name: string): string | null } | undefined): void {
    this.requestId = asString(headers?.get('x-request-id')) ?? asString(headers?.get('request-id'));
  }

  itemArrived(): void {
    this.firstItemAt ??= performance.now();
  }

  succeed(outcome: Outcome, extra: Record<string, unknown> = {}): void {
    this.emit(outcome, () => (outcome.failure === undefined ? undefined : { errorType: outcome.failure }), extra);
  }

  fail(error: unknown, partial: Outcome = {}): void {
    this.emit(partial, () => describeError(error), {});
  }

  /**
   * The first outcome wins: a stream iterated twice, or an error after the end, records nothing more.
   * Everything runs inside the try, down to reading the error, since this also runs on the caller's path.
   */
  private emit(outcome: Outcome, describeFailure: () => ErrorDescription | undefined, extra: Record<string, unknown>): void {
    if (this.settled) return;
    this.settled = true;
    try {
      const failure = describeFailure();
      const now = performance.now();
      this.sink.submit(
        {
          timestamp: this.timestamp,
          provider: this.call.provider,
          model: outcome.model ?? this.call.requestedModel,
          usage: outcome.usage,
          latencyMs: now - this.startedAt,
          status: failure ? 'error' : 'success',
          errorType: failure?.errorType,
          promptPrefix: this.call.promptPrefix,
          metadata: {
            operation: this.call.operation,
            stream: this.call.stream,
            requestId: this.requestId,
            timeToFirstChunkMs: this.firstItemAt === undefined ? undefined : Math.round(this.firstItemAt - this.startedAt),
            usageMissing: !failure && !outcome.usage ? true : undefined,
            httpStatus: failure?.httpStatus,
            providerErrorType: failure?.providerErrorType,
            ...extra,
          },
        },
        this.context,
      );
    } catch (cause) {
      this.sink.report(new LLMLabError('instrumentation', `could not record a ${this.call.operation} call`, { cause }));
    }
  }
}

interface ErrorDescription {
  errorType: string;
  httpStatus?: number;
  providerErrorType?: string;
}

/**
 * The error class names both clients share (`RateLimitError`, `BadRequestError`, `APIConnectionError`,
 * ...). @anthropic-ai/sdk sets `name` to it; openai leaves `name` as `Error`, so the constructor tells.
 */
function describeError(error: unknown): ErrorDescription {
  const record = asRecord(error);
  return {
    errorType: errorClassName(error),
    httpStatus: typeof record?.status === 'number' ? record.status : undefined,
    providerErrorType: asString(record?.type) ?? asString(asRecord(asRecord(record?.error)?.error)?.type),
  };
}

function errorClassName(error: unknown): string {
  const record = asRecord(error);
  if (!record) return 'UnknownError';
  const name = asString(record.name);
  if (name && name !== 'Error') return name;
  // Duck-typed rather than `instanceof Error`: errors from another realm (vm contexts, test runners) count too.
  const constructorName = asString((record.constructor as { name?: unknown } | undefined)?.name);
  return constructorName && constructorName !== 'Object' ? constructorName : 'Error';
}
