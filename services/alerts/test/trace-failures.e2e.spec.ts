import { randomBytes } from 'node:crypto';
import {
  createSession,
  eventually,
  genAiChatSpan,
  otlpJson,
  Receiver,
  slackOk,
  startPlatformSession,
  type PlatformSession,
  type TestSession,
} from '@llmlab/testing';
import { slackMessageViolations } from '../../../libs/notifications/src/testing/channel-fixtures';

jest.setTimeout(180_000);

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

// The trace_failures rule on the whole platform: spans in through the OpenTelemetry intake, traces completed and
// judged by the ingestion service's detectors, their verdicts (`TracesEvaluated`) counted by the alerts service, and
// the alert on the organization's Slack channel; another organization's healthy traces fire nothing.
describe('the trace_failures alert rule, end to end', () => {
  let session: PlatformSession;
  let receiver: Receiver;
  let failing: TestSession;
  let healthy: TestSession;
  const slackPath = '/services/T0001/B0001/tracefailures0123456789';

  beforeAll(async () => {
    receiver = await new Receiver().start();
    receiver.on(slackPath, slackOk);
    session = await startPlatformSession({
      services: ['gateway', 'auth', 'ingestion', 'alerts'],
      env: {
        ALERTS_TRUSTED_ORIGINS: receiver.origin,
        ALERTS_APP_URL: 'https://app.llmlab.test',
        // Traces are complete half a second after their last span, and looked for every 200 ms.
        TRACE_IDLE_MS: '500',
        TRACE_EVALUATE_INTERVAL_MS: '200',
      },
    });
    const url = session.platform.gatewayUrl;
    failing = await createSession(url, { organizationName: 'Acme', projectName: 'support-agent' });
    healthy = await createSession(url, { organizationName: 'Healthy' });
    for (const tenant of [failing, healthy]) {
      const org = `/v1/organizations/${tenant.organizationId}`;
      const rules = await tenant.agent.patch(`${org}/alert-settings`, { rules: { traceFailures: { minTraces: 4 } } });
      expect(rules.status).toBe(200);
      expect(rules.body.rules.traceFailures).toEqual({ enabled: true, minFlaggedPercent: 20, minTraces: 4, cooldownMinutes: 60 });
      const channel = await tenant.agent.post(`${org}/channels`, {
        type: 'slack',
        name: 'ops',
        config: { url: receiver.origin + slackPath },
      });
      expect(channel.status).toBe(201);
    }
  }, 180_000);

  afterAll(async () => {
    await session?.stop();
    await receiver?.stop();
  }, 60_000);

  /** `traces` agent runs of a root span and one model call under it; the first `failed` runs' model calls failed. */
  async function sendRuns(tenant: TestSession, traces: number, failed: number): Promise<string[]> {
    const traceIds = Array.from({ length: traces }, () => hex(16));
    const spans = traceIds.flatMap((traceId, i) => {
      const call = genAiChatSpan({ traceId, spanId: hex(8), model: 'gpt-4o-mini', input: 120, output: 30, status: i < failed ? 2 : 1 });
      const root = { ...call, spanId: hex(8), name: 'support-agent', kind: 1, attributes: [], status: { code: 1 } };
      return [root, { ...call, parentSpanId: root.spanId }];
    });
    const res = await fetch(`${session.platform.gatewayUrl}/v1/otlp/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tenant.apiKey.key}` },
      body: otlpJson(spans),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    return traceIds;
  }

  it("alerts the organization's channels when a fifth of a project's traces fail, naming the flags and traces to open", async () => {
    await sendRuns(healthy, 6, 0);
    const traceIds = await sendRuns(failing, 6, 3);

    const hit = await receiver.waitFor(slackPath, 1, 60_000).then(() => receiver.hits(slackPath)[0]);
    const slack = JSON.parse(hit.body);
    expect(slackMessageViolations(slack)).toEqual([]);
    expect(slack.text).toBe('Failing traces: 3 of 6 traces of project support-agent were flagged (50%): error 3.');

    const alerts = await failing.agent.get(`/v1/organizations/${failing.organizationId}/alerts?kind=trace_failures`);
    expect(alerts.status).toBe(200);
    expect(alerts.body.data).toHaveLength(1);
    expect(alerts.body.data[0]).toMatchObject({
      kind: 'trace_failures',
      state: 'firing',
      scope: { type: 'project', projectId: failing.projectId },
      notification: { traces: 6, flagged: 3, flaggedRate: '50.00', flags: { error: 3 } },
    });
    expect([...alerts.body.data[0].notification.examples].sort()).toEqual(traceIds.slice(0, 3).sort());

    // The flagged traces are the ones the trace list shows with the error flag.
    const flagged = await eventually(async () => {
      const list = await failing.keyAgent.get(`/v1/projects/${failing.projectId}/traces?flag=error`);
      return list.body.data.length === 3 && list.body.data.map((t: { traceId: string }) => t.traceId).sort();
    }, 'the flagged traces listed');
    expect(flagged).toEqual(traceIds.slice(0, 3).sort());

    // The healthy organization's evaluated traces fire nothing (and its channel got nothing).
    const quiet = await healthy.agent.get(`/v1/organizations/${healthy.organizationId}/alerts?kind=trace_failures`);
    expect(quiet.body.data).toEqual([]);
    expect(receiver.hits(slackPath)).toHaveLength(1);
  });
});
