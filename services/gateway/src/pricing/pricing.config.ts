import { z } from '@llmlab/config';
import { isUuid } from '@llmlab/domain';

/** Who may refresh the shared price catalog, and how often (docs/security.md). */
export const pricingEnv = {
  /**
   * Comma-separated organization ids whose owners and admins may refresh the price catalog. Empty: any
   * organization's (a self-hosted install, where every organization is the operator's). Set it on a
   * multi-tenant install: the catalog is shared by every tenant.
   */
  PRICING_ADMIN_ORGANIZATIONS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((id) => id.trim().toLowerCase())
        .filter((id) => id !== ''),
    )
    .refine((ids) => ids.every((id) => isUuid(id)), 'must be comma-separated organization UUIDs'),
  /** Catalog refreshes per hour per organization, on top of the management limit. */
  RATE_LIMIT_PRICING_REFRESH_PER_HOUR: z.coerce.number().int().positive().default(10),
};
