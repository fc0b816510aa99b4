import { Module } from '@nestjs/common';
import { backgroundWorkers, masterKeyProvider } from '@llmlab/service-kit';
import { AccessLogController } from './access/access-log.controller';
import { AccessLogRecorder } from './access/access-log.recorder';
import { DeniedAccessOwner } from './access/denied-access.owner';
import { AuditIndexController } from './index/audit-index.controller';
import { AuditIndexProjection } from './index/audit-index.projection';
import { AuditIndexQueries } from './index/audit-index.queries';
import { AuditIndexWorker } from './index/audit-index.worker';
import { MemberNamesClient } from './index/member-names.client';
import { ReadModelsModule } from './read-models/read-models.module';
import { TreeHeadSigner } from './signing/tree-head-signer';
import { HistoryVerifier } from './tree/history.verifier';
import { IntegrityMonitor } from './tree/integrity.monitor';
import { MerkleTreeRepository } from './tree/merkle-tree.repository';
import { TreeMaintainer } from './tree/tree.maintainer';
import { TransparencyController } from './transparency/transparency.controller';
import { TransparencyQueries } from './transparency/transparency.queries';

/**
 * The audit service: owns nothing new. It guards the event store: a Merkle tree over its event hashes with signed
 * heads and proofs, the continuous verification, and the audit query index.
 */
@Module({
  imports: [ReadModelsModule],
  controllers: [TransparencyController, AuditIndexController, AccessLogController],
  providers: [
    masterKeyProvider,
    MerkleTreeRepository,
    TreeHeadSigner,
    IntegrityMonitor,
    HistoryVerifier,
    TreeMaintainer,
    TransparencyQueries,
    AuditIndexProjection,
    AuditIndexWorker,
    MemberNamesClient,
    AuditIndexQueries,
    AccessLogRecorder,
    DeniedAccessOwner,
    backgroundWorkers(TreeMaintainer, AuditIndexWorker, AccessLogRecorder),
  ],
})
export class AuditModule {}
