import { Readable } from 'node:stream';
import { Controller, Get, Header, Param, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { auditIndexSubjects, auditTransparencySubjects as s, type AuditExportPageRequest, type RequestContext } from '@llmlab/contracts';
import { uuidParam } from '../http/uuid-param';
import { tenant } from '../identity/tenant-scope';
import { Access, Authenticated, Caller, Public } from '../identity/identity.decorators';
import { ServiceClient } from '../messaging/service-client';
import { ApiProblems } from '../openapi/problem-responses';
import { AUDIT_EXPORT_CONTENT_TYPES, auditExportChunks } from './audit-export';
import {
  AuditEntriesQueryDto,
  AuditEntryListDto,
  AuditExportQueryDto,
  AuditIntegrityDto,
  AuditKeySetDto,
  ConsistencyProofDto,
  ConsistencyQueryDto,
  InclusionProofDto,
  InclusionProofQueryDto,
  SignedTreeHeadDto,
  TreeHeadListDto,
  TreeHeadsQueryDto,
} from './audit.dto';

const EXPORT_PAGE = 1_000;

@ApiTags('audit')
@Controller('.well-known')
export class AuditKeysController {
  constructor(private readonly client: ServiceClient) {}

  @Get('llmlab-audit-keys.json')
  @Public({ anonymousRateLimit: true })
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    operationId: 'getAuditKeys',
    summary: 'Public keys that verify the audit log’s signed tree heads (a JWK set of Ed25519 keys)',
  })
  @ApiOkResponse({ type: AuditKeySetDto })
  keys(@Caller() caller: RequestContext) {
    return this.client.call(s.keys, {}, caller);
  }
}

/**
 * The whole store's signed heads and consistency proofs are public, as a Certificate Transparency log's are: they
 * hold sizes and hashes, never an event, so anyone keeping a head can later check history was not rewritten.
 */
@ApiTags('audit')
@Controller('v1/audit')
export class AuditLogController {
  constructor(private readonly client: ServiceClient) {}

  @Get('checkpoints/latest')
  @Public({ anonymousRateLimit: true })
  @ApiOperation({ operationId: 'getLatestAuditCheckpoint', summary: 'The latest signed tree head of the audit log' })
  @ApiOkResponse({ type: SignedTreeHeadDto })
  @ApiProblems([404, 'No tree head has been signed yet'])
  latest(@Caller() caller: RequestContext) {
    return this.client.call(s.latestHead, {}, caller);
  }

  @Get('checkpoints')
  @Public({ anonymousRateLimit: true })
  @ApiOperation({ operationId: 'listAuditCheckpoints', summary: 'Signed tree heads from a tree size on, oldest first' })
  @ApiOkResponse({ type: TreeHeadListDto })
  @ApiProblems([400, 'Invalid from or limit'])
  list(@Query() query: TreeHeadsQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(s.heads, query, caller);
  }

  @Get('consistency')
  @Public({ anonymousRateLimit: true })
  @ApiOperation({
    operationId: 'getAuditConsistencyProof',
    summary: 'A proof that the signed head of `second` events extends the signed head of `first` unchanged (RFC 9162 2.1.4)',
  })
  @ApiOkResponse({ type: ConsistencyProofDto })
  @ApiProblems([400, 'first or second is not a tree size, or first > second'], [404, 'No head of that size was signed'])
  consistency(@Query() query: ConsistencyQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(s.consistency, query, caller);
  }

  @Get('integrity')
  @Authenticated()
  @ApiOperation({
    operationId: 'getAuditIntegrity',
    summary: 'Whether the event store verifies: the continuous check of its hash chain against the signed heads',
  })
  @ApiOkResponse({ type: AuditIntegrityDto })
  integrity(@Caller() caller: RequestContext) {
    return this.client.call(s.integrity, {}, caller);
  }
}

@ApiTags('audit')
@ApiParam({ name: 'orgId', format: 'uuid' })
@Controller('v1/organizations/:orgId/audit')
export class OrganizationAuditLogController {
  constructor(private readonly client: ServiceClient) {}

  @Get('events')
  @Access('audit:read')
  @ApiOperation({
    operationId: 'listAuditEvents',
    summary: 'The organization’s audit log, newest first: who did what, when, from where, to what',
    description:
      'Every event of the organization from every context, each with its actor (and the member’s name, unless erased), the resource it is ' +
      'about, its correlation id, IP and user agent, a one-sentence summary and, for updates, the changed fields. Filters combine. Reading it ' +
      'is itself recorded (AuditLogQueried, at most once a minute per reader).',
  })
  @ApiOkResponse({ type: AuditEntryListDto })
  @ApiProblems([400, 'Invalid filter, range, cursor or limit'])
  events(@Query() query: AuditEntriesQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(auditIndexSubjects.list, query, caller);
  }

  @Get('events/:eventId/proof')
  @Access('audit:read')
  @ApiParam({ name: 'eventId', format: 'uuid' })
  @ApiOperation({
    operationId: 'getAuditInclusionProof',
    summary: 'A proof that one of the organization’s events is in a signed head of the audit log (RFC 9162 2.1.3)',
  })
  @ApiOkResponse({ type: InclusionProofDto })
  @ApiProblems(
    [400, 'Invalid treeSize'],
    [404, 'No such event in the organization, or no signed head of that size'],
    [409, 'The event is newer than the head asked for'],
  )
  proof(@Param('eventId', uuidParam('eventId')) eventId: string, @Query() query: InclusionProofQueryDto, @Caller() caller: RequestContext) {
    return this.client.call(s.inclusion, { eventId, treeSize: query.treeSize }, caller);
  }

  @Get('export')
  @Access('audit:read')
  @ApiOperation({
    operationId: 'exportAuditLog',
    summary: 'The organization’s audit log, streamed as JSON Lines (verifiable offline) or CSV',
    description:
      'JSON Lines: the first line is the signed tree head every proof is against; then one line per event, oldest first, with ' +
      'its full content as hashed, its hash and previous hash, and its inclusion proof (null for events newer than the head). ' +
      '`npm run audit:verify -- <file>` checks it with the public keys only (docs/audit.md).',
  })
  @ApiProduces(AUDIT_EXPORT_CONTENT_TYPES.jsonl, AUDIT_EXPORT_CONTENT_TYPES.csv)
  @ApiOkResponse({ description: 'The events', schema: { type: 'string' } })
  @ApiProblems([400, 'Invalid format or range'])
  async export(@Query() query: AuditExportQueryDto, @Caller() caller: RequestContext): Promise<StreamableFile> {
    const { format = 'jsonl', from, to } = query;
    const request: AuditExportPageRequest = { format, from, to, limit: EXPORT_PAGE };
    // The first page is read before answering, so that a bad request is still a problem+json answer; it fixes the
    // head every later page proves against.
    const first = await this.client.call(s.exportPage, request, caller);
    const chunks = auditExportChunks(format, first, (after) =>
      this.client.call(s.exportPage, { ...request, after, treeSize: first.head?.treeSize }, caller),
    );
    const filename = `audit-${tenant(caller, 'organization').organizationId}.${format}`;
    return new StreamableFile(Readable.from(chunks), {
      type: AUDIT_EXPORT_CONTENT_TYPES[format],
      disposition: `attachment; filename="${filename}"`,
    });
  }
}
