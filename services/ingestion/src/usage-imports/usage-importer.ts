import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  ingestionStreams,
  USAGE_IMPORT_LIMITS,
  validateUsageEvent,
  type EventMetadata,
  type UsageEventInput,
  type UsageImportActor,
  type UsageImportLineError,
} from '@llmlab/contracts';
import { CommandRunner, LOGGER } from '@llmlab/service-kit';
import { derivedEventId } from '../derived-event-id';
import { UsageRecordingHandler } from '../usage/usage-recording.handler';
import { ImportFileError, readImportFile, type ImportRecord } from './import-file';
import { UsageImportObjects } from './usage-import.objects';
import { usageImportDecider, type UsageImportCommand, type UsageImportState } from './usage-import.decider';

/** What `run` did: finished (completed or failed), or stopped between two parts because the process is stopping. */
export type ImportOutcome = 'finished' | 'stopped';

/**
 * Runs one import from its checkpoint to its end: reads the upload line by line, validates each line with the
 * contracts' validator (any age; never after the instant the upload was queued), and records the file in parts of
 * `USAGE_IMPORT_LIMITS.partRecords` lines. A part is appended to the ledger through `UsageRecordingHandler`, with
 * a batch id derived from the import id and the part number, then checkpointed on the import's stream. A crash
 * between the two repeats the part's append, which writes nothing (same ids); a crash after resumes at the next part.
 */
@Injectable()
export class UsageImporter {
  constructor(
    private readonly runner: CommandRunner,
    private readonly recording: UsageRecordingHandler,
    private readonly objects: UsageImportObjects,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async run(importId: string, stopping: () => boolean = () => false): Promise<ImportOutcome> {
    const stream = ingestionStreams.usageImport(importId);
    const loaded = (await this.runner.load(stream, usageImportDecider)).state;
    const { actor } = loaded;
    if (!actor || (loaded.status !== 'queued' && loaded.status !== 'running')) return 'finished';
    let state = { ...loaded, actor };
    const metadata: EventMetadata = {
      actor,
      organizationId: state.organizationId,
      projectId: state.projectId,
      correlationId: importId,
      causationId: importId,
    };
    const execute = async (command: UsageImportCommand) => {
      state = { ...(await this.runner.run(stream, usageImportDecider, command, { metadata })).state, actor };
    };
    await execute({ type: 'StartImport', data: { at: new Date().toISOString() } });

    const input = await this.objects.read(importId);
    if (!input) {
      await execute({ type: 'FailImport', data: { reason: 'the uploaded file is no longer stored', at: new Date().toISOString() } });
      return 'finished';
    }
    let part: ImportRecord[] = [];
    let consumed = 0;
    let lastLine = state.linesRead;
    try {
      for await (const record of readImportFile(input, state.format)) {
        lastLine = record.endLine;
        // Lines before the checkpoint are in the ledger already: read past them.
        if (consumed++ < state.records) continue;
        part.push(record);
        if (part.length === USAGE_IMPORT_LIMITS.partRecords) {
          await this.recordPart(state, part, lastLine, execute);
          part = [];
          if (stopping()) {
            input.destroy();
            return 'stopped';
          }
        }
      }
      if (part.length > 0) await this.recordPart(state, part, lastLine, execute);
    } catch (err) {
      if (!(err instanceof ImportFileError)) throw err;
      // The lines before the broken one are recorded: a part cut short there is recorded too.
      if (part.length > 0) await this.recordPart(state, part, lastLine, execute);
      await execute({ type: 'FailImport', data: { reason: err.message, at: new Date().toISOString() } });
      this.logger.warn({ importId, line: err.line }, 'usage import failed on an unreadable line');
      return 'finished';
    }
    await execute({ type: 'CompleteImport', data: { at: new Date().toISOString() } });
    await (
      await this.objects.store()
    )
      .delete(importId)
      .catch((err: Error) => this.logger.warn({ importId, err: err.message }, 'imported upload not deleted'));
    this.logger.info({ importId, parts: state.parts, records: state.records }, 'usage import completed');
    return 'finished';
  }

  private async recordPart(
    state: UsageImportState & { actor: UsageImportActor },
    records: ImportRecord[],
    linesRead: number,
    execute: (command: UsageImportCommand) => Promise<void>,
  ): Promise<void> {
    const { actor } = state;
    const queuedAt = new Date(state.queuedAt);
    const events: UsageEventInput[] = [];
    const lines: number[] = [];
    const errors: UsageImportLineError[] = [];
    let rejected = 0;
    for (const record of records) {
      const checked = record.candidate
        ? validateUsageEvent(record.candidate, queuedAt, '', { maxAgeMs: Number.POSITIVE_INFINITY })
        : ({ ok: false, errors: record.errors } as const);
      if (checked.ok) {
        events.push(checked.event);
        lines.push(record.line);
      } else {
        rejected += 1;
        for (const e of checked.errors) errors.push({ line: record.line, field: e.field, message: e.message });
      }
    }
    const part = state.parts;
    let accepted = events.length;
    if (events.length > 0) {
      const failed = await this.recording.append(
        {
          batchId: derivedEventId(state.importId, 'UsageImportPart', part),
          organizationId: state.organizationId,
          projectId: state.projectId,
          apiKeyId: actor.type === 'api_key' ? actor.id : null,
          actor,
          receivedAt: state.queuedAt,
          correlationId: state.importId,
          importId: state.importId,
          events,
        },
        (position) => position,
      );
      // An event the store refuses on its data (PostgreSQL class 22) is a rejected line, not a failed import.
      for (const f of failed) errors.push({ line: lines[f.position], field: '/', message: f.message });
      rejected += failed.length;
      accepted -= failed.length;
    }
    await execute({
      type: 'RecordPart',
      data: { part, records: state.records + records.length, linesRead, accepted, rejected, errors: sortByLine(errors) },
    });
  }
}

function sortByLine(errors: UsageImportLineError[]): UsageImportLineError[] {
  return [...errors].sort((a, b) => a.line - b.line);
}
