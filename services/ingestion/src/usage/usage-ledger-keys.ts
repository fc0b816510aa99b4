import { Inject, Injectable } from '@nestjs/common';
import { monthOfUsageLedgerSubject, usageLedgerKeySubject, type SubjectKeyStore, type UsageLedgerKeySource } from '@llmlab/crypto';
import { CONTENT_KEYS } from '../traces/span-content.store';

/**
 * The data keys that seal usage detail in the ledger, one per (organization, project, month), in
 * `ingestion.content_keys` (libs/crypto's usage-ledger.ts; docs/security.md, "Retention of usage detail"). The
 * recorder makes them, the projection and the other services' projections (through `ingestion.query.usage-ledger-keys`)
 * read them, and retention destroys them.
 */
@Injectable()
export class UsageLedgerKeys implements UsageLedgerKeySource {
  constructor(@Inject(CONTENT_KEYS) private readonly store: SubjectKeyStore) {}

  /** The months' keys, made where missing (from the store's cache: a database read every 30 s at most). */
  async forSealing(organizationId: string, projectId: string, months: readonly string[]): Promise<Map<string, Buffer>> {
    const found = await this.keys(organizationId, projectId, months);
    for (const month of months) {
      if (!found.has(month)) found.set(month, await this.store.ensure(usageLedgerKeySubject(organizationId, projectId, month)));
    }
    return found;
  }

  /** The months' keys that exist: a month past its organization's retention has none. */
  async keys(organizationId: string, projectId: string, months: readonly string[]): Promise<Map<string, Buffer>> {
    const subjects = new Map(months.map((m) => [usageLedgerKeySubject(organizationId, projectId, m), m]));
    const stored = await this.store.getMany([...subjects.keys()]);
    const out = new Map<string, Buffer>();
    for (const [subject, key] of stored) out.set(subjects.get(subject)!, key);
    return out;
  }

  /**
   * The organization's project-months that have a key and ended before `before` (`YYYY-MM`, exclusive). Listed
   * again on every run, a key made since for such a month (an import of old usage) is found too.
   */
  async monthsBefore(organizationId: string, before: string): Promise<{ projectId: string; month: string }[]> {
    const prefix = `usage:${organizationId}:`;
    const found: { projectId: string; month: string }[] = [];
    for (const subject of await this.store.subjectsStartingWith(prefix)) {
      const month = monthOfUsageLedgerSubject(subject);
      if (month !== undefined && month < before) found.push({ projectId: subject.slice(prefix.length, subject.lastIndexOf(':')), month });
    }
    return found;
  }

  /** Destroys a project-month's key: its records in the ledger, every copy of them, become unreadable. */
  destroy(organizationId: string, projectId: string, month: string): Promise<void> {
    return this.store.destroy(usageLedgerKeySubject(organizationId, projectId, month));
  }
}
