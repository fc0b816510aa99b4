import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const API_VERSION = '0.1.0';

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 7807 problem details. `code` is stable; `errors` names each bad field as a JSON pointer.',
  required: ['type', 'title', 'status', 'detail', 'code', 'requestId'],
  properties: {
    type: { type: 'string', format: 'uri', example: 'https://llmlab.dev/problems/validation-failed' },
    title: { type: 'string', example: 'Bad Request' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string', example: '/events/3/model: must be a string' },
    instance: { type: 'string', example: '/v1/usage' },
    code: { type: 'string', example: 'VALIDATION_FAILED' },
    requestId: { type: 'string', example: '0192f0c2-6a3e-7cc1-9f3a-7b1d2c3e4f50' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string', example: '/events/3/model' }, message: { type: 'string', example: 'must be a string' } },
      },
    },
  },
} as const;

const RATE_LIMIT_HEADERS = {
  'Retry-After': { description: 'Seconds until a request may succeed', schema: { type: 'integer' } },
  'RateLimit-Limit': { description: 'Requests allowed in the window (one hour)', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Requests left in the window', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
};

/** Paths that need no credentials (the routes marked @Public); everything else requires a bearer JWT or an API key. */
export const PUBLIC_PATH = /^\/(health|\.well-known|v1\/auth\/(signup|login|refresh|logout|session))(\/|$)/;

/**
 * The OpenAPI 3 document of the gateway, built from the controllers' decorators, with the problem+json schema,
 * the security schemes, and on every operation the error answers it can give.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('LLMLab API')
    .setDescription(
      'Know, explain and cut what LLM applications cost: usage ingestion and backfill imports, exact effective-dated ' +
        'pricing, cost analytics, budgets and alerts, provider cost imports and their reconciliation. Errors are ' +
        'application/problem+json (RFC 7807). Traces, recommendations and the audit log are being built; their ' +
        'operations appear here when they exist.',
    )
    .setVersion(API_VERSION)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .setContact('LLMLab', 'https://llmlab.dev', 'maintainers@llmlab.dev')
    // Relative: the document describes whichever deployment serves it, and Swagger UI calls the same origin.
    .addServer('/', 'This deployment')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from /v1/auth/login' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Project API key (llm_<env>_...)' }, 'apiKey')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'The operator token (OPERATOR_API_TOKEN): /v1/operator/* only, never a tenant credential',
      },
      'operator',
    )
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('apiKey')
    .addTag('health', 'Liveness and readiness of the platform')
    .addTag('auth', 'Accounts and sessions: signup, login, refresh-token rotation, logout, and the keys that verify access tokens')
    .addTag('me', 'Who the credentials belong to')
    .addTag('organizations', 'Organizations (tenants): everything else belongs to one')
    .addTag('members', 'Members of an organization and their roles (owner, admin, member, viewer), and pending invitations')
    .addTag('projects', 'Projects of an organization; DELETE archives')
    .addTag('api-keys', 'Project API keys with scopes (ingest, read, admin), expiry and revocation')
    .addTag('usage', 'Usage events in (idempotent, durable on 202) and usage records out (list, streamed export)')
    .addTag(
      'traces',
      'OpenTelemetry intake (OTLP/HTTP), and traces and sessions of a project: span trees with cost per span and subtree, failure flags',
    )
    .addTag('costs', 'What a project or an organization spent: summaries and breakdowns, amounts as decimal strings')
    .addTag('pricing', 'The effective-dated price catalog (genai-prices), organization prices, catalog refreshes')
    .addTag('budgets', 'Budgets of the organization, a project, a tag value or an end user, with live spend and forecast')
    .addTag(
      'alerts',
      'Fired alerts (threshold, forecast, anomaly, error rate, failing traces, unpriced usage, reconciliation), acknowledgement, deliveries, and the alert settings',
    )
    .addTag('channels', 'Where alerts go: Slack, Discord and signed webhooks; URLs and secrets are never shown again')
    .addTag('providers', 'Provider connections (encrypted admin keys), their syncs and the imported provider costs')
    .addTag(
      'proxy',
      "The OpenAI- and Anthropic-compatible proxy's settings for a project: its stored provider keys (encrypted, never returned)",
    )
    .addTag(
      'operator',
      "What only the platform's operator sets, for any organization (its rate limits); off unless OPERATOR_API_TOKEN is set",
    )
    .addTag(
      'recommendations',
      'What to change to spend less, with the money it would save: evidence, estimated monthly savings, accept and dismiss',
    )
    .addTag('reconciliation', "What the providers billed against what was recorded, per UTC day, and the organization's tolerance")
    .addTag(
      'audit',
      'The tamper-evident audit log: signed Merkle tree heads (RFC 9162, Ed25519), inclusion and consistency proofs, the organization’s verifiable export',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey: string, methodKey: string) => `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  document.components = { ...document.components, schemas: { ...document.components?.schemas, Problem: PROBLEM_SCHEMA as never } };

  const problemResponse = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  });
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = item[method];
      if (!op) continue;
      op.responses ??= {};
      // `@ApiParam({ format: 'uuid' })` names no type; path segments are strings, and typed clients need to know it.
      for (const param of op.parameters ?? []) {
        if ('in' in param && param.in === 'path' && param.schema && !('$ref' in param.schema) && !param.schema.type)
          param.schema.type = 'string';
      }
      if (PUBLIC_PATH.test(path)) {
        op.security = [];
      } else {
        op.responses['401'] ??= problemResponse('Missing, invalid or expired credentials');
        op.responses['404'] ??= problemResponse('Not found, or owned by another organization');
      }
      op.responses['429'] ??= {
        ...problemResponse('Rate limit exceeded; see Retry-After and RateLimit-* headers'),
        headers: RATE_LIMIT_HEADERS,
      };
      op.responses['500'] ??= problemResponse('Internal error; quote the request id');
    }
  }
  return document;
}

export function mountSwagger(app: INestApplication, document: OpenAPIObject) {
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'LLMLab API',
  });
}
