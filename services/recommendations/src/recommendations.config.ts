import { z } from '@llmlab/config';
import type { DomainServiceConfig } from '@llmlab/service-kit';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The recommendations service's own environment, validated with the common variables at start. */
export const recommendationsEnv = {
  /** How often every project with recent traffic is evaluated (the hourly re-evaluation). */
  RECOMMENDATIONS_EVALUATION_INTERVAL_MS: positiveInt(3_600_000),
  /** Days of traffic a recommendation rests on (the last ones, today included). */
  RECOMMENDATIONS_WINDOW_DAYS: positiveInt(14),
  /** Estimated monthly savings under this (USD) are not worth a recommendation. */
  RECOMMENDATIONS_MIN_MONTHLY_SAVINGS: z
    .string()
    .regex(/^\d{1,12}(\.\d{1,12})?$/, 'must be a non-negative decimal string')
    .default('1'),
  /** An open recommendation is updated when its estimate moves by more than this share. */
  RECOMMENDATIONS_UPDATE_SHARE: z.coerce.number().positive().max(10).default(0.1),
  /** A dismissed recommendation reopens when its estimate reaches this many times the one dismissed. */
  RECOMMENDATIONS_REOPEN_FACTOR: z.coerce.number().min(1).max(1000).default(2),
  /** How long a command waits for its events to reach the read model before answering anyway. */
  RECOMMENDATIONS_READ_YOUR_WRITES_TIMEOUT_MS: positiveInt(5_000),
};

type RecommendationsEnv = { [K in keyof typeof recommendationsEnv]: z.infer<(typeof recommendationsEnv)[K]> };
/** The service's configuration, injected as `SERVICE_CONFIG` (validated against `recommendationsEnv` at start). */
export type RecommendationsConfig = DomainServiceConfig & RecommendationsEnv;
