import { Injectable } from '@nestjs/common';
import { DEFAULT_ALERT_RULES, DEFAULT_ALERT_TIME_ZONE, type AlertRuleSettings, type AlertSettingsView } from '@llmlab/contracts';
import { PrismaClient } from '../read-models/prisma';
import { withDefaultRules } from './settings.decider';
import { type OrganizationScope } from '@llmlab/domain';

/** An organization's alerting settings, the defaults until it changes them. */
@Injectable()
export class SettingsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async get(tenant: OrganizationScope): Promise<AlertSettingsView> {
    const row = await this.prisma.alertSettings.findUnique({ where: { organizationId: tenant.organizationId } });
    if (!row) {
      return {
        organizationId: tenant.organizationId,
        timeZone: DEFAULT_ALERT_TIME_ZONE,
        rules: DEFAULT_ALERT_RULES,
        revision: -1,
        updatedAt: null,
      };
    }
    return {
      organizationId: row.organizationId,
      timeZone: row.timeZone,
      // Rules added in a later release take their defaults on organizations that saved settings before.
      rules: withDefaultRules(row.rules as Partial<AlertRuleSettings>),
      revision: row.revision,
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}
