import { z } from '@llmlab/config';
import { createOutboundPolicy } from './outbound-policy';

/**
 * An operator's `*_TRUSTED_ORIGINS` variable: `scheme://host[:port]` entries, comma-separated, empty by default.
 * Each entry is checked as the outbound client will read it, so a typo stops the service at start with the
 * variable named, not at the first outbound request.
 */
export const trustedOriginsEnv = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  )
  .superRefine((origins, ctx) => {
    try {
      createOutboundPolicy({ trustedOrigins: origins });
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
    }
  });
