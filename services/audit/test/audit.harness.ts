import { ServiceHarness } from '@llmlab/testing';
import { auditEnv } from '../src/audit.config';
import { AuditModule } from '../src/audit.module';

/** The audit service in this process, as `main.ts` boots it, with a fast tree and signing pace for tests. */
export class AuditHarness extends ServiceHarness {
  static async start(env: Record<string, string> = {}): Promise<AuditHarness> {
    return new AuditHarness(
      await ServiceHarness.launch(
        { name: 'audit', env: auditEnv, module: AuditModule },
        {
          env: {
            AUDIT_TREE_POLL_MS: '50',
            AUDIT_SIGN_EVERY_EVENTS: '5',
            AUDIT_SIGN_INTERVAL_MS: '200',
            AUDIT_FULL_VERIFICATION_INTERVAL_MS: '300',
            ...env,
          },
        },
      ),
    );
  }

  /** Appends `count` events of an organization, one stream each, as any service would. */
  async appendEvents(organizationId: string, count: number, label = 'Noted'): Promise<void> {
    for (let i = 0; i < count; i++) {
      await this.runtime.eventStore.appendToStream(
        `auth.test-${organizationId}-${label}-${i}`,
        [
          {
            type: `Test${label}`,
            data: { organizationId, i, amount: '0.000123', ratio: 0.1, tiny: 1e-7, text: 'é "quoted" \n line' },
            metadata: { actor: { type: 'user', id: organizationId }, organizationId, correlationId: `c-${i}` },
          },
        ],
        { expectedRevision: 'any' },
      );
    }
  }

  async storeHead(): Promise<number> {
    return this.count('SELECT coalesce(max(position), 0) AS n FROM event_store.events');
  }

  /** Waits until the tree holds every event and a head covers them all. */
  async treeCaughtUp(timeoutMs = 20_000): Promise<void> {
    const head = await this.storeHead();
    await this.until(
      async () => (await this.count('SELECT coalesce(max(tree_size), 0) AS n FROM audit.tree_heads')) >= head,
      `a signed tree head of ${head} events`,
      timeoutMs,
    );
  }
}
