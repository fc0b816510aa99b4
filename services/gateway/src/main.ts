import 'reflect-metadata';
import { ConfigError, loadConfig } from '@llmlab/config';
import { gatewayEnv, type GatewayConfig } from './gateway.config';
import { createGatewayApp } from './gateway.app';
import { ReadinessService } from './health/readiness.service';

async function main() {
  let config: GatewayConfig;
  try {
    config = loadConfig(gatewayEnv);
  } catch (err) {
    process.stderr.write(
      JSON.stringify({ level: 'fatal', service: 'gateway', msg: err instanceof ConfigError ? err.message : String(err) }) + '\n',
    );
    process.exit(1);
  }
  const gateway = await createGatewayApp(config);
  await gateway.app.listen(config.PORT, config.HOST);
  await gateway.internal.listen(config.INTERNAL_PORT, config.INTERNAL_HOST);
  const { logger } = gateway.deps;
  logger.info({ port: config.PORT }, `gateway listening: API ${config.PUBLIC_URL}/v1, docs ${config.PUBLIC_URL}/docs`);
  logger.info({ port: config.INTERNAL_PORT, host: config.INTERNAL_HOST }, 'internal listener: /metrics, /health/ready');

  // Stop intake first (readiness 503, then the listener closes after in-flight requests finish), then connections.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    gateway.app.get(ReadinessService).shuttingDown = true;
    await gateway.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
