/**
 * `npm run pricing:refresh [-- --remote]`: asks the running ingestion service to refresh the price catalog from
 * the genai-prices data bundled with the installed package (default) or from its latest published data
 * (`--remote`, fetched by the service from PRICING_DATA_URL). Any replica answers; the others pick the new
 * catalog up within PRICING_POLL_INTERVAL_MS. In a container: `node dist/services/ingestion/src/pricing-refresh.main.js`.
 */
import { randomUUID } from 'node:crypto';
import { ingestionSubjects } from '@llmlab/contracts';
import { createMessagingClient, natsSubject } from '@llmlab/messaging';

async function main(): Promise<number> {
  const source = process.argv.includes('--remote') ? 'remote' : 'bundled';
  const client = createMessagingClient({
    servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    name: 'llmlab-pricing-refresh',
    defaultTimeoutMs: 120_000,
  });
  try {
    const reply = await client.request(
      { subject: natsSubject(ingestionSubjects.refreshPricing, process.env.NATS_PREFIX ?? '') } as typeof ingestionSubjects.refreshPricing,
      { source },
      { correlationId: randomUUID(), actor: { type: 'system', id: 'pricing-refresh-cli' } },
    );
    if (!reply.ok) {
      process.stderr.write(`pricing refresh failed: ${reply.error.code} ${reply.error.message}\n`);
      return 1;
    }
    const r = reply.data;
    process.stdout.write(
      r.refreshId === null
        ? `price catalog already up to date with the ${source} data (${r.entries} entries, content ${r.contentHash.slice(0, 12)})\n`
        : `price catalog refreshed from the ${source} data: ${r.opened} opened, ${r.closed} closed, ${r.withdrawn} withdrawn, ` +
            `${r.entries} entries (refresh ${r.refreshId}, content ${r.contentHash.slice(0, 12)})\n`,
    );
    return 0;
  } finally {
    await client.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`pricing refresh failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
