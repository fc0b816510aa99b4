import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { Mailbox } from './mailbox';
import { recordRequestPersonalData } from './personal-data';
import { TestPlatform, type PlatformOptions } from './platform';
import { createTestDatabase, type TestDatabase } from './test-database';
import { uniqueSuffix } from './test-env';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Asserts an RFC 7807 answer: its status, its code and, when given, that one of its errors names `field`. */
export function expectProblem(res: HttpResult, status: number, code: string, field?: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (field) expect(res.body?.errors?.map((e: { field: string }) => e.field)).toContain(field);
}

/**
 * A fetch wrapper bound to a base URL and a set of headers (credentials, request id...): `agent.get('/v1/me')`.
 * Bodies are JSON both ways (an answer of another content type is its text); an empty answer gives `body: undefined`.
 */
export class Agent {
  constructor(
    readonly baseUrl: string,
    readonly headers: Record<string, string> = {},
  ) {}

  /** The same agent with more (or replaced) headers. */
  with(headers: Record<string, string>): Agent {
    return new Agent(this.baseUrl, { ...this.headers, ...headers });
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
    recordRequestPersonalData(path, body);
    return this.send<T>(method, path, body !== undefined ? JSON.stringify(body) : undefined, {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    });
  }

  /** A body sent as it is (a file upload), with its content type. */
  upload<T = any>(path: string, body: string | Buffer, contentType: string, headers: Record<string, string> = {}) {
    return this.send<T>('POST', path, body, { 'content-type': contentType, ...headers });
  }

  private async send<T>(
    method: string,
    path: string,
    body: string | Buffer | undefined,
    headers: Record<string, string>,
  ): Promise<HttpResult<T>> {
    const res = await fetch(this.baseUrl + path, { method, headers: { ...this.headers, ...headers }, body });
    const text = await res.text();
    // JSON (and problem+json) is parsed; anything else (a CSV or JSON Lines export) is the text as sent.
    const type = res.headers.get('content-type') ?? 'application/json';
    const json = /json/i.test(type) && !/ndjson|jsonl/i.test(type);
    return { status: res.status, headers: res.headers, body: text ? (json ? JSON.parse(text) : text) : undefined };
  }

  get<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body ?? {}, headers);
  }
  patch<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PATCH', path, body ?? {}, headers);
  }
  put<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PUT', path, body ?? {}, headers);
  }
  delete<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>('DELETE', path, undefined, headers);
  }
}

export interface SignedUpUser {
  id: string;
  email: string;
  name: string;
  password: string;
  organizationId: string;
  accessToken: string;
  refreshToken: string;
  /** Sends the user's access token. */
  agent: Agent;
}

export interface TestSession extends SignedUpUser {
  projectId: string;
  apiKey: { id: string; key: string; prefix: string };
  /** Sends the project's API key (`X-API-Key`). */
  keyAgent: Agent;
  /** Sends no credentials. */
  anonymous: Agent;
}

export interface SignUpOptions {
  email?: string;
  password?: string;
  name?: string;
  organizationName?: string;
}

function expectStatus(res: HttpResult, status: number, what: string): void {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
}

/** Signs a new user up through the gateway (with their first organization) and returns an agent for them. */
export async function signUp(gatewayUrl: string, options: SignUpOptions = {}): Promise<SignedUpUser> {
  const suffix = uniqueSuffix(6);
  const email = options.email ?? `user-${suffix}@example.com`;
  const password = options.password ?? `pw-${suffix}-long-enough`;
  const name = options.name ?? `User ${suffix}`;
  const res = await new Agent(gatewayUrl).post('/v1/auth/signup', {
    email,
    password,
    name,
    ...(options.organizationName ? { organizationName: options.organizationName } : {}),
  });
  expectStatus(res, 201, `signup of ${email}`);
  const { user, organization, accessToken, refreshToken } = res.body;
  return {
    id: user.id,
    email,
    name,
    password,
    organizationId: organization.id,
    accessToken,
    refreshToken,
    agent: new Agent(gatewayUrl, { authorization: `Bearer ${accessToken}` }),
  };
}

/**
 * A ready tenant (novu's UserSession): a user who owns an organization with one project and an API key of that
 * project, and agents that call the gateway as the user, as the key, and anonymously.
 */
export async function createSession(
  gatewayUrl: string,
  options: SignUpOptions & { projectName?: string; apiKeyScopes?: ('ingest' | 'read' | 'admin')[] } = {},
): Promise<TestSession> {
  const user = await signUp(gatewayUrl, options);
  const project = await user.agent.post(`/v1/organizations/${user.organizationId}/projects`, {
    name: options.projectName ?? 'Test project',
  });
  expectStatus(project, 201, 'project creation');
  const key = await user.agent.post(`/v1/projects/${project.body.id}/api-keys`, {
    name: 'test key',
    scopes: options.apiKeyScopes ?? ['admin'],
  });
  expectStatus(key, 201, 'API key creation');
  return {
    ...user,
    projectId: project.body.id,
    apiKey: { id: key.body.id, key: key.body.key, prefix: key.body.prefix },
    keyAgent: new Agent(gatewayUrl, { 'x-api-key': key.body.key }),
    anonymous: new Agent(gatewayUrl),
  };
}

/** Verifies a signed-up user's address with the link of the mail sent at signup (read from the test's SMTP server). */
export async function verifyEmail(mailbox: Mailbox, user: SignedUpUser): Promise<void> {
  const token = await mailbox.linkToken(user.email, '/verify-email', /Verify/);
  expectStatus(await new Agent(user.agent.baseUrl).post('/v1/auth/verify-email', { token }), 204, `verification of ${user.email}`);
}

/**
 * Makes `user` a member the only way there is: `inviter` invites their address, and they accept with the token of
 * the mailed link (which also verifies that address).
 */
export async function joinOrganization(
  mailbox: Mailbox,
  inviter: Agent,
  organizationId: string,
  user: SignedUpUser,
  role: 'owner' | 'admin' | 'member' | 'viewer',
): Promise<void> {
  const before = mailbox.to(user.email).filter((m) => /invited/.test(m.subject)).length;
  const invited = await inviter.post(`/v1/organizations/${organizationId}/invitations`, { email: user.email, role });
  expectStatus(invited, 201, `invitation of ${user.email}`);
  const token = await mailbox.linkToken(user.email, '/invitations/accept', /invited/, before + 1);
  expectStatus(await user.agent.post('/v1/invitations/accept', { token }), 200, `acceptance by ${user.email}`);
}

export interface PlatformSessionOptions extends Omit<PlatformOptions, 'databaseUrl'> {
  /** Connections of `pool`; 2 by default. */
  poolSize?: number;
}

/**
 * What an end-to-end spec starts from: a migrated database of its own, the platform booted on it, a pool to look at
 * what the services stored, and an agent that sends no credentials. `stop()` ends the pool, stops the platform (its
 * personal-data scan fails the test on a finding) and drops the database.
 */
export interface PlatformSession {
  db: TestDatabase;
  platform: TestPlatform;
  pool: Pool;
  anonymous: Agent;
  stop(): Promise<void>;
}

/**
 * Starts a `PlatformSession`. Each run gets a master key of its own unless `env` names one, so no test writes or
 * reads the development key file.
 */
export async function startPlatformSession(options: PlatformSessionOptions = {}): Promise<PlatformSession> {
  const { poolSize = 2, env, ...platformOptions } = options;
  const db = await createTestDatabase();
  let platform: TestPlatform;
  try {
    platform = await TestPlatform.start({
      ...platformOptions,
      databaseUrl: db.url,
      env: { MASTER_ENCRYPTION_KEY: randomBytes(32).toString('base64'), ...env },
    });
  } catch (err) {
    await db.drop();
    throw err;
  }
  const pool = new Pool({ connectionString: db.url, max: poolSize });
  return {
    db,
    platform,
    pool,
    anonymous: new Agent(platform.gatewayUrl),
    async stop() {
      await pool.end();
      await platform.stop();
      await db.drop();
    },
  };
}
