import { randomBytes, randomUUID } from 'node:crypto';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, MicroserviceOptions } from '@nestjs/microservices';
import { authSubjects, type RequestEnvelope } from '@llmlab/contracts';
import { ConfigError, loadConfig } from '@llmlab/config';
import { natsMicroserviceOptions } from '@llmlab/messaging';
import { testEnv, uniqueSuffix } from '@llmlab/testing';
import { createGatewayApp, type GatewayApp } from '../src/gateway.app';
import { gatewayEnv } from '../src/gateway.config';

const prefix = `op${uniqueSuffix(3)}`;
const token = randomBytes(32).toString('base64url');
const seen: RequestEnvelope<unknown>[] = [];

/** Stands in for the auth service: records what the gateway forwards and answers as auth would. */
@Controller()
class AuthStandIn {
  @MessagePattern(authSubjects.getRateLimits.subject)
  get(envelope: RequestEnvelope<unknown>) {
    seen.push(envelope);
    return {
      ok: true,
      data: { organizationId: envelope.context.organizationId, managementPerHour: null, ingestPerHour: null, revision: 4 },
    };
  }

  @MessagePattern(authSubjects.setRateLimits.subject)
  set(envelope: RequestEnvelope<{ managementPerHour: number | null; ingestPerHour: number | null }>) {
    seen.push(envelope);
    const { managementPerHour, ingestPerHour } = envelope.payload;
    return { ok: true, data: { organizationId: envelope.context.organizationId, managementPerHour, ingestPerHour, revision: 5 } };
  }
}

// The operator routes at the edge, with the auth service stood in for over real NATS: the operator token and
// nothing else gets through, in constant time by digest; without OPERATOR_API_TOKEN the routes do not exist.
describe('operator API authentication at the gateway', () => {
  let enabled: GatewayApp;
  let disabled: GatewayApp;
  let responders: Awaited<ReturnType<typeof NestFactory.createMicroservice>>;
  const org = randomUUID();
  const path = `/v1/operator/organizations/${org}/rate-limits`;

  beforeAll(async () => {
    @Module({ controllers: [AuthStandIn] })
    class RespondersModule {}
    responders = await NestFactory.createMicroservice<MicroserviceOptions>(RespondersModule, {
      ...natsMicroserviceOptions({ servers: testEnv.natsUrl, queue: `${prefix}-auth`, prefix, gracePeriodMs: 100 }),
      logger: false,
    });
    await responders.listen();
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', NATS_PREFIX: prefix };
    delete env.OPERATOR_API_TOKEN;
    enabled = await createGatewayApp(loadConfig(gatewayEnv, { ...env, OPERATOR_API_TOKEN: token }));
    disabled = await createGatewayApp(loadConfig(gatewayEnv, env));
  });
  afterAll(async () => {
    await enabled?.close();
    await disabled?.close();
    await responders?.close();
  });

  const inject = (gateway: GatewayApp, method: 'GET' | 'PUT', url: string, headers: Record<string, string> = {}, body?: unknown) =>
    gateway.app
      .getHttpAdapter()
      .getInstance()
      .inject({ method, url, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, payload: body as string });
  const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

  it('refuses a token shorter than 32 characters at start, naming the variable', () => {
    expect(() => loadConfig(gatewayEnv, { OPERATOR_API_TOKEN: 'x'.repeat(31) })).toThrow(ConfigError);
    expect(() => loadConfig(gatewayEnv, { OPERATOR_API_TOKEN: 'x'.repeat(31) })).toThrow(/OPERATOR_API_TOKEN: must have at least 32/);
    expect(loadConfig(gatewayEnv, { OPERATOR_API_TOKEN: 'x'.repeat(32) }).OPERATOR_API_TOKEN).toBe('x'.repeat(32));
  });

  it('forwards the operator as the actor and the organization of the path as the context, never in the payload', async () => {
    seen.length = 0;
    const got = await inject(enabled, 'GET', path, bearer(token));
    expect(got.statusCode).toBe(200);
    expect(got.headers.etag).toBe('"4"');
    const put = await inject(enabled, 'PUT', path, { ...bearer(token), 'if-match': '"4"' }, { managementPerHour: 50, ingestPerHour: null });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ organizationId: org, managementPerHour: 50, ingestPerHour: null, revision: 5 });
    expect(seen.map((e) => [e.context.actor, e.context.organizationId, e.payload])).toEqual([
      [{ type: 'operator', id: 'operator' }, org, {}],
      [{ type: 'operator', id: 'operator' }, org, { managementPerHour: 50, ingestPerHour: null, expectedRevision: 4 }],
    ]);
  });

  it('answers 401 to a token one character off, a prefix of it, no token, or a tenant credential, and forwards nothing', async () => {
    seen.length = 0;
    const offByOne = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const credentials: Record<string, string>[] = [
      bearer(offByOne),
      bearer(token.slice(0, 32)),
      bearer(`${token}A`),
      {},
      { 'x-api-key': token },
      bearer('eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1In0.c2ln'),
      bearer('llm_test_AbCdEfGh1234567890abcdefghijklmn'),
    ];
    for (const headers of credentials) {
      for (const method of ['GET', 'PUT'] as const) {
        const res = await inject(enabled, method, path, headers, { managementPerHour: 5, ingestPerHour: 5 });
        expect([JSON.stringify(headers), method, res.statusCode, res.json().code]).toEqual([
          JSON.stringify(headers),
          method,
          401,
          'UNAUTHENTICATED',
        ]);
      }
    }
    expect(seen).toEqual([]);
  });

  it('answers 404 for a malformed organization id before asking the service', async () => {
    seen.length = 0;
    const res = await inject(enabled, 'GET', '/v1/operator/organizations/not-a-uuid/rate-limits', bearer(token));
    expect({ status: res.statusCode, code: res.json().code }).toEqual({ status: 404, code: 'ORGANIZATION_NOT_FOUND' });
    expect(seen).toEqual([]);
  });

  it('has no operator routes without OPERATOR_API_TOKEN: 404 like a route that does not exist, whatever is sent', async () => {
    seen.length = 0;
    const missing = await inject(disabled, 'GET', '/v1/operator/organizations/nothing-here', bearer(token));
    expect(missing.statusCode).toBe(404);
    for (const headers of [bearer(token), {}, bearer('')]) {
      for (const method of ['GET', 'PUT'] as const) {
        const res = await inject(disabled, method, path, headers, { managementPerHour: 5, ingestPerHour: 5 });
        expect([method, res.statusCode, res.json().code]).toEqual([method, 404, missing.json().code]);
      }
    }
    expect(seen).toEqual([]);
  });
});
