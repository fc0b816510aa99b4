import { Injectable } from '@nestjs/common';
import {
  ingestionStreams,
  IngestionErrorCode,
  USAGE_IMPORT_FORMATS,
  type RequestContext,
  type StartUsageImportRequest,
  type UsageImportOwner,
  type UsageImportRef,
  type UsageImportView,
} from '@llmlab/contracts';
import { FieldErrors, isUuid, organizationScope, projectScope } from '@llmlab/domain';
import { CommandRunner, metadataFromContext } from '@llmlab/service-kit';
import { IngestionError, validationFailed } from '../ingestion.errors';
import { usageImportDecider, type UsageImportState } from './usage-import.decider';
import { UsageImportRepository } from './usage-import.repository';

const notFound = () => new IngestionError(IngestionErrorCode.UsageImportNotFound, 'usage import not found');

/**
 * Queues an import whose upload the gateway stored, and answers its progress. Progress comes from the read model;
 * an import the projection has not seen yet is read from its stream, so the Location of a 202 answers at once.
 */
@Injectable()
export class UsageImportHandler {
  constructor(
    private readonly runner: CommandRunner,
    private readonly repository: UsageImportRepository,
  ) {}

  async start(request: StartUsageImportRequest, context: RequestContext): Promise<UsageImportView> {
    const scope = projectScope(context);
    const errors = new FieldErrors();
    if (typeof request.importId !== 'string' || !isUuid(request.importId)) errors.add('/importId', 'must be a UUID');
    if (!USAGE_IMPORT_FORMATS.includes(request.format)) errors.add('/format', `must be one of ${USAGE_IMPORT_FORMATS.join(', ')}`);
    if (!Number.isSafeInteger(request.bytes) || request.bytes < 0) errors.add('/bytes', 'must be a non-negative integer');
    if (!errors.empty) throw validationFailed(errors.errors);
    const actor = context.actor;
    if (!actor || (actor.type !== 'user' && actor.type !== 'api_key')) throw new Error('an import reached without a user or an API key');
    const importId = request.importId.toLowerCase();
    const { state } = await this.runner.run(
      ingestionStreams.usageImport(importId),
      usageImportDecider,
      {
        type: 'QueueImport',
        data: {
          importId,
          organizationId: scope.organizationId,
          projectId: scope.projectId,
          actor: { type: actor.type, id: actor.id },
          format: request.format,
          bytes: request.bytes,
          at: new Date().toISOString(),
        },
      },
      { metadata: metadataFromContext() },
    );
    if (state.organizationId !== scope.organizationId || state.projectId !== scope.projectId) throw notFound();
    return fromState(state);
  }

  async view(ref: UsageImportRef, context: RequestContext): Promise<UsageImportView> {
    const scope = { ...organizationScope(context), ...(context.projectId !== undefined ? { projectId: context.projectId } : {}) };
    if (typeof ref.importId !== 'string' || !isUuid(ref.importId)) throw notFound();
    const importId = ref.importId.toLowerCase();
    const found = await this.repository.find(scope, importId);
    if (found) return found;
    const { state } = await this.runner.load(ingestionStreams.usageImport(importId), usageImportDecider);
    const visible =
      state.status !== 'none' &&
      state.organizationId === scope.organizationId &&
      (scope.projectId === undefined || state.projectId === scope.projectId);
    if (!visible) throw notFound();
    return fromState(state);
  }

  async owner(ref: UsageImportRef): Promise<UsageImportOwner> {
    if (typeof ref.importId !== 'string' || !isUuid(ref.importId)) throw notFound();
    const importId = ref.importId.toLowerCase();
    const organizationId =
      (await this.repository.ownerOf(importId)) ??
      (await this.runner.load(ingestionStreams.usageImport(importId), usageImportDecider)).state.organizationId;
    if (!organizationId) throw notFound();
    return { organizationId };
  }
}

/** An import the projection has not applied yet: what its stream says, no line counted so far. */
function fromState(state: UsageImportState): UsageImportView {
  return {
    importId: state.importId,
    projectId: state.projectId,
    format: state.format,
    status: state.status === 'none' ? 'queued' : state.status === 'completed' ? 'running' : state.status,
    bytes: state.bytes,
    linesRead: state.linesRead,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    errors: [],
    errorsTruncated: false,
    failure: null,
    createdAt: state.queuedAt,
    completedAt: null,
  };
}
