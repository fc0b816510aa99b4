import type { RecordCostData, UsageCorrection, UsageCounts } from '@llmlab/contracts';
import { sameCost } from '../usage/record-pricing';

/** A usage record as the repricer reads it back from the read model. */
export interface RecordToReprice {
  organizationId: string;
  projectId: string;
  eventId: string;
  timestamp: string;
  provider: string;
  model: string;
  usage: UsageCounts;
  cost: RecordCostData;
}

export interface ProjectCorrections {
  organizationId: string;
  projectId: string;
  corrections: UsageCorrection[];
}

/**
 * Re-resolves each record at its own timestamp and keeps those whose cost would now differ, by project. A client's
 * explicit cost is never repriced: it is what the client says it paid.
 *
 * A pure function, not a decider: what a correction corrects is the cost the read model holds (the records passed
 * in), not a state folded from the project's ledger, which grows without bound and guards no invariant. The repricer
 * appends each project's corrections to that ledger at any revision, under an id derived from their content.
 */
export function correctionsFor(
  records: readonly RecordToReprice[],
  price: (record: RecordToReprice) => RecordCostData,
): ProjectCorrections[] {
  const byProject = new Map<string, ProjectCorrections>();
  for (const record of records) {
    if (record.cost.status === 'override') continue;
    const current = price(record);
    if (sameCost(record.cost, current)) continue;
    let group = byProject.get(record.projectId);
    if (!group) {
      group = { organizationId: record.organizationId, projectId: record.projectId, corrections: [] };
      byProject.set(record.projectId, group);
    }
    group.corrections.push({ eventId: record.eventId, timestamp: record.timestamp, previous: record.cost, current });
  }
  return [...byProject.values()];
}
