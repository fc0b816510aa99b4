import { Inject, Injectable } from '@nestjs/common';
import type { AuditIntegrityViolatedData, RecordedEvent } from '@llmlab/contracts';
import type { ConsumerHandle } from '@llmlab/messaging';
import { RUNTIME, runProjection, type BackgroundWorker, type ServiceRuntime } from '@llmlab/service-kit';
import { RuleEvaluator } from '../evaluation/rule-evaluator';

/**
 * Fires the `audit_integrity` alert from the audit service's `AuditIntegrityViolated` events: its continuous
 * verification found the event store tampered with, and the organization whose event is at that position is told
 * through its channels. A redelivery fires nothing new: the alert's id derives from the incident and its stream is
 * appended once.
 */
@Injectable()
export class AuditIntegrityWorker implements BackgroundWorker {
  readonly name = 'alerts-audit-integrity consumer';
  private handle?: ConsumerHandle;

  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly evaluator: RuleEvaluator,
  ) {}

  async start(): Promise<void> {
    this.handle = await runProjection(this.runtime, 'alerts-audit-integrity', 'events.audit.AuditIntegrityViolated', async (event) => {
      const { data } = event as RecordedEvent<string, AuditIntegrityViolatedData>;
      await this.evaluator.auditIntegrity(data, new Date());
    });
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }
}
