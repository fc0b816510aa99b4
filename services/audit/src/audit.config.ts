import { z } from '@llmlab/config';
import type { DomainServiceConfig } from '@llmlab/service-kit';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The audit service's own environment, validated with the common variables at start. */
export const auditEnv = {
  /** 32 bytes, base64: wraps the private key that signs tree heads (`audit.service_keys`); as in the other services. */
  MASTER_ENCRYPTION_KEY: z.string().optional(),
  /** The master key being retired during a rotation: still unwraps, never wraps (`npm run keys:rotate`). */
  MASTER_ENCRYPTION_KEY_PREVIOUS: z.string().optional(),
  /** A tree head is signed once this many events were added since the last one... */
  AUDIT_SIGN_EVERY_EVENTS: positiveInt(1_000),
  /** ...or once this long passed with at least one new event. */
  AUDIT_SIGN_INTERVAL_MS: positiveInt(60_000),
  /** Events read, verified and added to the tree per round (and read per step of the full verification)... */
  AUDIT_TREE_BATCH_SIZE: positiveInt(5_000),
  /** ...and at most about this many bytes of them (stored size): what bounds the service's memory. */
  AUDIT_TREE_BATCH_BYTES: positiveInt(8 * 1024 * 1024),
  /** The pause between rounds when the tree has caught up with the store. */
  AUDIT_TREE_POLL_MS: positiveInt(1_000),
  /** How often the whole signed history is re-derived from the store and compared with the signed roots. */
  AUDIT_FULL_VERIFICATION_INTERVAL_MS: positiveInt(3_600_000),
};

type AuditEnv = { [K in keyof typeof auditEnv]: z.infer<(typeof auditEnv)[K]> };
/** The service's configuration, injected as `SERVICE_CONFIG` (validated against `auditEnv` at start). */
export type AuditConfig = DomainServiceConfig & AuditEnv;
