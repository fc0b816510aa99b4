import type { Reply } from '@llmlab/contracts';
import { ServiceReplyError } from '../http/problem';
import type { ServiceClient } from '../messaging/service-client';
import { alertsOwnerLookup } from './alerts-owners';

const ORG = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50';
const ID = '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f52';

describe('alerts owner lookup', () => {
  function clientAnswering(reply: Reply<{ organizationId: string }>) {
    const asked: unknown[] = [];
    const client = {
      ask: async (subject: { subject: string }, payload: unknown, context: unknown) => {
        asked.push([subject.subject, payload, context]);
        return reply;
      },
    } as unknown as ServiceClient;
    return { client, asked };
  }
  const failure = (code: string): Reply<never> => ({ ok: false, error: { code, message: code } });

  it('asks alerts.query.resolve-owner for the resource and passes the correlation id on', async () => {
    const { client, asked } = clientAnswering({ ok: true, data: { organizationId: ORG } });
    await expect(alertsOwnerLookup(client, 'channel')(ID, 'req-1')).resolves.toBe(ORG);
    expect(asked).toEqual([['alerts.query.resolve-owner', { resource: 'channel', id: ID }, { correlationId: 'req-1' }]]);
  });

  it("reads the service's 404 as nobody's, and carries any other failure to the edge", async () => {
    await expect(alertsOwnerLookup(clientAnswering(failure('BUDGET_NOT_FOUND')).client, 'budget')(ID, 'r')).resolves.toBeNull();
    const down = alertsOwnerLookup(clientAnswering(failure('SERVICE_UNAVAILABLE')).client, 'budget')(ID, 'r');
    await expect(down).rejects.toBeInstanceOf(ServiceReplyError);
  });
});
