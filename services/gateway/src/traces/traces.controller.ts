import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ingestionSubjects, type RequestContext } from '@llmlab/contracts';
import { resolveRange } from '../http/date-range.dto';
import { Access, Caller } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { sessionIdParam, traceIdParam } from './trace-params';
import {
  SessionsPageDto,
  SessionsQueryDto,
  SessionViewDto,
  TRACE_RANGE_DAYS,
  TracesPageDto,
  TracesQueryDto,
  TraceViewDto,
} from './traces.dto';

/** Only the filters the caller gave travel, so the service sees exactly the request. */
function defined<T extends object>(filters: T): Partial<T> {
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const RANGE = `Traces that started in \`[from, to)\`, the ${TRACE_RANGE_DAYS} days before now by default.`;

@ApiTags('traces')
@ApiParam({ name: 'projectId', format: 'uuid' })
@Controller('v1/projects/:projectId')
export class TracesController {
  constructor(private readonly client: ServiceClient) {}

  @Get('traces')
  @Access('project-data:read')
  @ApiOperation({
    operationId: 'listTraces',
    summary: "The project's traces, newest first, with cursor pagination",
    description: `${RANGE} One row per trace: root name, start, duration, spans, model calls, tokens, cost, status and flags.`,
  })
  @ApiOkResponse({ type: TracesPageDto })
  @ApiProblems([400, 'Invalid range, filter, cursor or limit'], [403, 'The API key lacks the read scope'])
  list(@Query() query: TracesQueryDto, @Caller() caller: RequestContext) {
    const { from, to, ...filters } = query;
    return this.client.call(
      ingestionSubjects.traces,
      { ...resolveRange({ from, to }, Date.now(), TRACE_RANGE_DAYS), ...defined(filters) },
      caller,
    );
  }

  @Get('traces/:traceId')
  @Access('project-data:read')
  @ApiParam({ name: 'traceId', description: '32 lowercase hex characters, as OTLP/JSON spells it.' })
  @ApiOperation({
    operationId: 'getTrace',
    summary: 'A trace: its span tree with timing, model calls, cost per span and per subtree, errors and flags',
    description: 'Spans in tree order (depth first, siblings by start); a span whose parent never arrived is at depth 0.',
  })
  @ApiOkResponse({ type: TraceViewDto })
  @ApiProblems(
    [400, 'The trace id is not 32 hex characters'],
    [403, 'The API key lacks the read scope'],
    [404, 'No such trace in the project'],
  )
  get(@Param('traceId', traceIdParam()) traceId: string, @Caller() caller: RequestContext) {
    return this.client.call(ingestionSubjects.trace, { traceId }, caller);
  }

  @Get('sessions')
  @Access('project-data:read')
  @ApiOperation({
    operationId: 'listSessions',
    summary: "The project's sessions: its traces grouped by session id, with cost",
    description: `Sessions with a trace that started in \`[from, to)\` (the ${TRACE_RANGE_DAYS} days before now by default), counted over those traces; by their latest trace's start, newest first.`,
  })
  @ApiOkResponse({ type: SessionsPageDto })
  @ApiProblems([400, 'Invalid range, filter, cursor or limit'], [403, 'The API key lacks the read scope'])
  listSessions(@Query() query: SessionsQueryDto, @Caller() caller: RequestContext) {
    const { from, to, ...filters } = query;
    return this.client.call(
      ingestionSubjects.sessions,
      { ...resolveRange({ from, to }, Date.now(), TRACE_RANGE_DAYS), ...defined(filters) },
      caller,
    );
  }

  @Get('sessions/:sessionId')
  @Access('project-data:read')
  @ApiParam({ name: 'sessionId', description: 'As sent (`session.id` of a span, or `sessionId` of a usage event).' })
  @ApiOperation({
    operationId: 'getSession',
    summary: 'A session: every trace of the project carrying its id, oldest first, with the totals',
  })
  @ApiOkResponse({ type: SessionViewDto })
  @ApiProblems(
    [400, 'The session id is empty or too long'],
    [403, 'The API key lacks the read scope'],
    [404, 'No trace of the project carries that session id'],
  )
  getSession(@Param('sessionId', sessionIdParam()) sessionId: string, @Caller() caller: RequestContext) {
    return this.client.call(ingestionSubjects.session, { sessionId }, caller);
  }
}
