import { z } from '@llmlab/config';

/** The dashboard's static files and the browser session cookie. */
export const webEnv = {
  /** The dashboard's build (`npm run build` writes `web/dist`), relative to the working directory; empty: no dashboard. */
  WEB_DIST_DIR: z.string().default('web/dist'),
  /**
   * Lifetime of the browser's refresh-token cookie, in seconds: keep it equal to the auth service's
   * `REFRESH_TOKEN_TTL_SECONDS` (30 days), so the cookie and the session it carries end together.
   */
  SESSION_COOKIE_MAX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 24 * 3600),
};
