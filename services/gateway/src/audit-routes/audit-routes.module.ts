import { Module } from '@nestjs/common';
import { AuditKeysController, AuditLogController, OrganizationAuditLogController } from './audit.controller';

/** The routes of the audit service: its public keys, signed heads and proofs, and an organization's log. */
@Module({
  controllers: [AuditKeysController, AuditLogController, OrganizationAuditLogController],
})
export class AuditRoutesModule {}
