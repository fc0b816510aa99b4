import type { AlertNotificationData } from '@llmlab/contracts';
import { periodContaining } from '@llmlab/spend-analytics';

/**
 * The sample a channel test sends: a threshold alert with round figures and a scope that says it is a test, so
 * whoever sees it in Slack knows nothing is wrong.
 */
export function testNotification(input: {
  organization: { id: string; name: string };
  channelName: string;
  timeZone: string;
  appUrl: string;
  now: Date;
  testId: string;
}): AlertNotificationData {
  const period = periodContaining(input.now, 'monthly', input.timeZone);
  return {
    kind: 'threshold',
    alertId: `test-${input.testId}`,
    organization: input.organization,
    scope: { type: 'organization', description: `test of channel ${input.channelName} (sample figures)` },
    period: { unit: 'monthly', start: period.start.toISOString(), end: period.end.toISOString(), timeZone: input.timeZone },
    link: `${input.appUrl.replace(/\/+$/, '')}/orgs/${input.organization.id}/alerts`,
    firedAt: input.now.toISOString(),
    spend: { amount: '80', currency: 'USD' },
    budget: { amount: '100', currency: 'USD' },
    percentage: '80.00',
    threshold: '80',
  };
}
