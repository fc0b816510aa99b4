import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { Gauge, Counter } from 'prom-client';
import { auditStreams, type AuditIntegrityFailure, type AuditIntegrityViolatedData } from '@llmlab/contracts';
import type { EventStore } from '@llmlab/event-store';
import { EVENT_STORE, LOGGER, PG_POOL, RUNTIME, type ServiceRuntime } from '@llmlab/service-kit';

const RELOAD_MS = 60_000;

export interface Incident {
  position: number;
  reason: AuditIntegrityFailure;
  detail: string;
  detectedAt: string;
}

/**
 * What the continuous verification knows: an open incident (kept in `audit.integrity_incidents`, so a restart
 * does not forget it) turns readiness down naming the position, sets `llmlab_audit_chain_intact` to 0, stops
 * signing, and is appended as `AuditIntegrityViolated` so the organization's alert channels hear of it.
 */
@Injectable()
export class IntegrityMonitor {
  private incident: Incident | null = null;
  /** When the open incident was last read: an operator closes one in the table, and the service sees it within a minute. */
  private loadedAt = 0;
  private readonly intact: Gauge;
  private readonly incidents: Counter;
  private readonly treeSize: Gauge;
  private readonly lag: Gauge;
  verifiedThrough = 0;
  lastFullVerificationAt: string | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RUNTIME) runtime: ServiceRuntime,
  ) {
    const registers = [runtime.metrics.registry];
    this.intact = new Gauge({
      name: 'llmlab_audit_chain_intact',
      help: '1 while the event store verifies, 0 once tampering was found',
      registers,
    });
    this.incidents = new Counter({
      name: 'llmlab_audit_integrity_incidents_total',
      help: 'Tampering found by the verification',
      registers,
    });
    this.treeSize = new Gauge({ name: 'llmlab_audit_tree_events', help: 'Events in the audit Merkle tree', registers });
    this.lag = new Gauge({ name: 'llmlab_audit_tree_lag_events', help: 'Events in the store not yet in the tree', registers });
    this.intact.set(1);
    runtime.addProbe(async () => {
      const open = await this.current().catch(() => null);
      return open
        ? { name: 'audit-chain', up: false, latencyMs: 0, error: `tampering found at position ${open.position}: ${open.detail}` }
        : { name: 'audit-chain', up: true, latencyMs: 0 };
    });
  }

  /** The open incident, if any (read from the table at most once a minute). */
  async current(): Promise<Incident | null> {
    if (Date.now() - this.loadedAt > RELOAD_MS) {
      const { rows } = await this.pool.query<{ position: string; reason: AuditIntegrityFailure; detail: string; detected_at: Date }>(
        'SELECT position, reason, detail, detected_at FROM audit.integrity_incidents WHERE resolved_at IS NULL',
      );
      this.incident = rows.length
        ? {
            position: Number(rows[0].position),
            reason: rows[0].reason,
            detail: rows[0].detail,
            detectedAt: rows[0].detected_at.toISOString(),
          }
        : null;
      this.loadedAt = Date.now();
      this.intact.set(this.incident ? 0 : 1);
    }
    return this.incident;
  }

  progress(treeSize: number, storeHead: number): void {
    this.verifiedThrough = Math.max(this.verifiedThrough, treeSize);
    this.treeSize.set(treeSize);
    this.lag.set(Math.max(0, storeHead - treeSize));
  }

  /** Records a finding (the first one stays open until resolved), tells the metrics, the log and the channels. */
  async report(finding: Omit<Incident, 'detectedAt'>): Promise<void> {
    const detectedAt = new Date().toISOString();
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO audit.integrity_incidents (position, reason, detail, detected_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT ((true)) WHERE resolved_at IS NULL DO NOTHING RETURNING id`,
      [finding.position, finding.reason, finding.detail, detectedAt],
    );
    this.loadedAt = 0;
    this.intact.set(0);
    if (rows.length === 0) return;
    this.incidents.inc();
    this.incident = { ...finding, detectedAt };
    this.logger.error(
      { position: finding.position, reason: finding.reason },
      `audit: the event store was tampered with: ${finding.detail}`,
    );
    const organizationId = await this.organizationAt(finding.position);
    const data: AuditIntegrityViolatedData = { ...finding, organizationId, detectedAt };
    await this.store.appendToStream(
      auditStreams.integrity,
      [
        {
          type: 'AuditIntegrityViolated',
          data,
          metadata: { actor: { type: 'system', id: 'audit' }, organizationId: organizationId ?? undefined, correlationId: randomUUID() },
        },
      ],
      { expectedRevision: 'any' },
    );
  }

  /**
   * The organization of the event at that position as this service indexed it before the tampering: the row now in
   * the store is the attacker's, and its metadata could name another organization, or none, to misdirect the alert.
   */
  private async organizationAt(position: number): Promise<string | null> {
    const { rows } = await this.pool.query<{ organization_id: string | null }>(
      'SELECT organization_id FROM audit.entries WHERE position = $1',
      [position],
    );
    return rows[0]?.organization_id ?? null;
  }
}
