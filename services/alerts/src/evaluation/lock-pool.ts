import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { handlePoolErrors } from '@llmlab/persistence';
import { LOGGER, SERVICE_CONFIG } from '@llmlab/service-kit';
import type { AlertsConfig } from '../alerts.config';

/**
 * Connections that only wait on and hold advisory locks: the evaluator's per rule and scope, the tick's. Apart
 * from the service's pool, so that evaluators queueing for a lock cannot take the connections its holder needs
 * (see `RuleEvaluatorDeps`). Ended when the application closes, after the background workers have stopped.
 */
@Injectable()
export class LockPool extends Pool implements OnApplicationShutdown {
  constructor(@Inject(SERVICE_CONFIG) config: AlertsConfig, @Inject(LOGGER) logger: Logger) {
    super({ connectionString: config.DATABASE_URL, max: 4, application_name: 'llmlab-alerts-locks' });
    handlePoolErrors(this, (err) => logger.error({ err }, 'idle PostgreSQL client (locks) failed'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.end();
  }
}
