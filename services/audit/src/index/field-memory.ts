import { isDeepStrictEqual } from 'node:util';
import type { AuditFieldChange } from '@llmlab/contracts';

/** What the index remembers of one resource: its fields as the last event that set them left them. */
export type RememberedFields = Record<string, unknown>;

/**
 * An update's changes completed from what the index remembered of the resource (an update event carries only the
 * new values): each field it names gets its `from`; a field set to the value it already had is no change. Returns
 * the changes to show and the fields to remember afterwards. Pure: the projection reads and writes the memory in
 * the entry's transaction.
 */
export function withPrevious(
  changes: readonly AuditFieldChange[] | null,
  created: RememberedFields | undefined,
  previous: RememberedFields | undefined,
): { changes: AuditFieldChange[] | null; remembered: RememberedFields } {
  const remembered: RememberedFields = { ...previous, ...created };
  const shown: AuditFieldChange[] = [];
  for (const change of changes ?? []) {
    const known = previous !== undefined && change.field in previous;
    if (!('from' in change) && known && isDeepStrictEqual(previous[change.field], change.to)) continue;
    shown.push(!('from' in change) && known ? { field: change.field, from: previous[change.field], to: change.to } : change);
    if ('to' in change) remembered[change.field] = change.to;
  }
  return { changes: shown.length > 0 ? shown : null, remembered };
}
