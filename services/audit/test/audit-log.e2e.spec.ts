import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, createSession, createTestDatabase, eventually, TestPlatform, type TestDatabase, type TestSession } from '@llmlab/testing';
import { leafHash, verifyConsistency, verifyInclusion, verifyTreeHead, type AuditKeySet, type SignedTreeHead } from '@llmlab/transparency';

jest.setTimeout(120_000);

const hex = (h: string) => Buffer.from(h, 'hex');
const ROOT = join(__dirname, '..', '..', '..');

/** `npm run audit:verify` as an auditor runs it: a separate process with the export file and the keys' URL. */
function auditVerify(args: string[]): { status: number | null; stdout: string } {
  const result = spawnSync(
    process.execPath,
    ['-r', '@swc-node/register', join(ROOT, 'libs/transparency/src/audit-verify.main.ts'), ...args],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
    },
  );
  return { status: result.status, stdout: result.stdout + result.stderr };
}

interface ExportLine {
  kind: 'head' | 'event';
  head?: SignedTreeHead;
  event?: { position: number; eventId: string; type: string; hash: string; metadata: { organizationId?: string } };
  proof?: { leafIndex: number; treeSize: number; auditPath: string[] } | null;
}

function parseExport(body: string): ExportLine[] {
  return body
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as ExportLine);
}

describe('the verifiable audit log through the gateway', () => {
  let db: TestDatabase;
  let platform: TestPlatform;
  let owner: TestSession;
  let foreign: TestSession;

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await TestPlatform.start({ databaseUrl: db.url, services: ['gateway', 'auth', 'alerts', 'audit'] });
    owner = await createSession(platform.gatewayUrl, { organizationName: 'Audited Org' });
    foreign = await createSession(platform.gatewayUrl, { organizationName: 'Other Org' });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    await db?.drop();
  });

  async function headCovering(position: number): Promise<SignedTreeHead> {
    return eventually(
      async () => {
        const res = await owner.agent.get('/v1/audit/checkpoints/latest');
        return res.status === 200 && res.body.treeSize >= position ? (res.body as SignedTreeHead) : undefined;
      },
      `a signed head of at least ${position} events`,
      30_000,
    );
  }

  it('exports the organization’s events with proofs that verify against a head signed by a published key', async () => {
    const first = parseExport((await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/export`)).body as string);
    const lastPosition = Math.max(...first.filter((l) => l.kind === 'event').map((l) => l.event!.position));
    await headCovering(lastPosition);

    const res = await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/export?format=jsonl`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = parseExport(res.body as string);
    const [head, ...events] = lines;
    expect(head.kind).toBe('head');
    // The keys are public: an outsider needs no credential.
    const keys = (await new Agent(platform.gatewayUrl).get('/.well-known/llmlab-audit-keys.json')).body as AuditKeySet;
    expect(verifyTreeHead(head.head!, keys)).toEqual({ ok: true });
    expect(events.map((e) => e.event!.type)).toEqual(expect.arrayContaining(['OrganizationCreated', 'ProjectCreated']));
    for (const { event, proof } of events) {
      expect(event!.metadata.organizationId).toBe(owner.organizationId);
      expect(proof).not.toBeNull();
      expect(
        verifyInclusion({
          leafIndex: proof!.leafIndex,
          treeSize: proof!.treeSize,
          leafHash: leafHash(hex(event!.hash)),
          auditPath: proof!.auditPath.map(hex),
          rootHash: hex(head.head!.rootHash),
        }),
      ).toBe(true);
    }

    const csv = await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/export?format=csv`);
    expect(csv.status).toBe(200);
    const rows = (csv.body as string).trim().split('\r\n');
    expect(rows[0]).toBe('position,recordedAt,eventId,type,streamId,actorType,actorId,correlationId,hash');
    expect(rows).toHaveLength(events.length + 1);
  });

  it('proves one event in a signed head, and proves the later head consistent with the earlier one', async () => {
    const before = await owner.agent.get('/v1/audit/checkpoints/latest');
    expect(before.status).toBe(200);
    const created = await owner.agent.post(`/v1/organizations/${owner.organizationId}/projects`, { name: 'audited second project' });
    expect(created.status).toBe(201);
    const exported = parseExport((await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/export`)).body as string);
    const projectEvent = exported.filter((l) => l.kind === 'event' && l.event!.type === 'ProjectCreated').pop()!.event!;
    const later = await headCovering(projectEvent.position);

    const proof = await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/events/${projectEvent.eventId}/proof`);
    expect(proof.status).toBe(200);
    expect(
      verifyInclusion({
        leafIndex: proof.body.leafIndex,
        treeSize: proof.body.treeSize,
        leafHash: leafHash(hex(proof.body.eventHash)),
        auditPath: (proof.body.auditPath as string[]).map(hex),
        rootHash: hex(proof.body.head.rootHash),
      }),
    ).toBe(true);

    const consistency = await owner.agent.get(`/v1/audit/consistency?first=${before.body.treeSize}&second=${later.treeSize}`);
    expect(consistency.status).toBe(200);
    expect(
      verifyConsistency({
        first: before.body.treeSize,
        second: later.treeSize,
        firstRoot: hex(before.body.rootHash),
        secondRoot: hex(later.rootHash),
        proof: (consistency.body.proof as string[]).map(hex),
      }),
    ).toBe(true);

    const heads = await owner.agent.get(`/v1/audit/checkpoints?from=${before.body.treeSize}`);
    expect(heads.body.data.map((h: SignedTreeHead) => h.treeSize)).toEqual(expect.arrayContaining([before.body.treeSize, later.treeSize]));

    const integrity = await owner.agent.get('/v1/audit/integrity');
    expect(integrity.body).toMatchObject({ status: 'verified', incident: null });
  });

  it('gives another tenant nothing: its own organization does not hold the event, and the victim’s is a 404', async () => {
    const exported = parseExport((await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/export`)).body as string);
    const eventId = exported.find((l) => l.kind === 'event')!.event!.eventId;
    const viaOwnOrg = await foreign.agent.get(`/v1/organizations/${foreign.organizationId}/audit/events/${eventId}/proof`);
    expect(viaOwnOrg.status).toBe(404);
    const viaVictimOrg = await foreign.agent.get(`/v1/organizations/${owner.organizationId}/audit/export`);
    expect(viaVictimOrg.status).toBe(404);
    const bad = await owner.agent.get(`/v1/audit/consistency?first=5&second=2`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('is verified offline by `npm run audit:verify`, which names a changed event and a rewritten history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmlab-audit-'));
    const saved = (await owner.agent.get('/v1/audit/checkpoints/latest')).body as SignedTreeHead;
    writeFileSync(join(dir, 'saved-head.json'), JSON.stringify(saved));
    await owner.agent.patch(`/v1/organizations/${owner.organizationId}`, { name: 'Audited Org, renamed' });
    const exported = (await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/export`)).body as string;
    const lastPosition = Math.max(
      ...parseExport(exported)
        .filter((l) => l.kind === 'event')
        .map((l) => l.event!.position),
    );
    await headCovering(lastPosition);
    const body = (await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/export`)).body as string;
    writeFileSync(join(dir, 'audit.jsonl'), body);
    const keys = `${platform.gatewayUrl}/.well-known/llmlab-audit-keys.json`;

    const ok = auditVerify([join(dir, 'audit.jsonl'), '--keys', keys, '--checkpoint', join(dir, 'saved-head.json')]);
    expect(ok.stdout).toMatch(/^OK: \d+ events verified/);
    expect(ok.stdout).toMatch(/consistent with the saved head/);
    expect(ok.status).toBe(0);

    const lines = body.trimEnd().split('\n');
    const target = JSON.parse(lines[2]) as ExportLine & { event: { data: Record<string, unknown> } };
    target.event.data = { ...target.event.data, tampered: true };
    writeFileSync(join(dir, 'tampered.jsonl'), [lines[0], lines[1], JSON.stringify(target), ...lines.slice(3)].join('\n'));
    const changed = auditVerify([join(dir, 'tampered.jsonl'), '--keys', keys]);
    expect(changed.status).toBe(1);
    expect(changed.stdout).toContain(`FAILED at event ${target.event!.position} (${target.event!.eventId}`);

    // A head the auditor kept that this log never signed (another history): consistency cannot be proven.
    writeFileSync(join(dir, 'other-head.json'), JSON.stringify({ ...saved, rootHash: 'ab'.repeat(32) }));
    const rewritten = auditVerify([join(dir, 'audit.jsonl'), '--keys', keys, '--checkpoint', join(dir, 'other-head.json')]);
    expect(rewritten.status).toBe(1);
    expect(rewritten.stdout).toMatch(/FAILED at the saved checkpoint/);
  });

  it('lists who did what, newest first, filtered by actor, type, resource and time, with the member’s name', async () => {
    const project = await owner.agent.post(`/v1/organizations/${owner.organizationId}/projects`, { name: 'indexed project' });
    expect(project.status).toBe(201);
    const list = (query = '') => owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/events${query}`);
    const created = await eventually(async () => {
      const res = await list(`?type=ProjectCreated&resourceId=${project.body.id}`);
      return res.body.data?.length === 1 ? res.body.data[0] : undefined;
    }, 'the project in the audit index');
    expect(created).toMatchObject({
      type: 'ProjectCreated',
      actor: { type: 'user', id: owner.id, name: owner.name },
      resource: { type: 'project', id: project.body.id },
      summary: 'Project “indexed project” was created',
      changes: null,
    });
    expect(created.ip).toBeTruthy();
    expect(created.correlationId).toBeTruthy();

    const renamed = await eventually(async () => {
      const res = await list('?type=OrganizationUpdated');
      return res.body.data?.length ? res.body.data[0] : undefined;
    }, 'the rename in the audit index');
    // The event carries the new name only: the index remembered the one the organization was created with.
    expect(renamed.changes).toEqual([{ field: 'name', from: 'Audited Org', to: 'Audited Org, renamed' }]);

    const all = await list('?limit=3');
    expect(all.status).toBe(200);
    expect(all.body.data).toHaveLength(3);
    const positions = all.body.data.map((e: { position: number }) => e.position);
    expect([...positions].sort((a, b) => b - a)).toEqual(positions);
    const next = await list(`?limit=3&cursor=${all.body.nextCursor}`);
    expect(next.body.data[0].position).toBeLessThan(positions[2]);

    const byActor = await list(`?actor=${owner.id}&limit=200`);
    expect(byActor.body.data.every((e: { actor: { id: string } }) => e.actor.id === owner.id)).toBe(true);
    const future = await list(`?from=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`);
    expect(future.body.data).toEqual([]);
    const bad = await list('?limit=0&cursor=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['/limit']));
    expect((await foreign.agent.get(`/v1/organizations/${owner.organizationId}/audit/events`)).status).toBe(404);

    // Reading the log is recorded, once a minute per reader however often it is read.
    const queried = await eventually(async () => {
      const res = await list('?type=AuditLogQueried');
      return res.body.data?.length ? res.body.data : undefined;
    }, 'the audit queries recorded');
    expect(queried).toHaveLength(1);
    expect(queried[0]).toMatchObject({ actor: { id: owner.id }, summary: expect.stringMatching(/^The audit log was queried/) });
  });

  it("records another tenant's attempt at a resource in the owner's log, bounded, and the exports", async () => {
    const budget = await owner.agent.post(`/v1/organizations/${owner.organizationId}/budgets`, {
      name: 'guarded budget',
      scope: { type: 'organization' },
      period: 'monthly',
      amount: { amount: '100', currency: 'USD' },
      thresholds: [80],
    });
    expect(budget.status).toBe(201);
    for (let i = 0; i < 3; i++) expect((await foreign.agent.get(`/v1/budgets/${budget.body.id}`)).status).toBe(404);
    const denied = await eventually(async () => {
      const res = await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/events?type=AccessDenied`);
      return res.body.data?.length ? res.body.data : undefined;
    }, 'the denied access recorded');
    // One event a minute per actor: the first of this foreign user's attempts is recorded (the victim's organization
    // in the path of a proof, earlier in this file); the budget probes of the same minute are counted, not appended.
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({
      actor: { type: 'user', id: foreign.id, name: null },
      resource: { type: 'organization', id: owner.organizationId },
    });
    // The attacker's own log holds nothing of the victim's.
    const theirs = await foreign.agent.get(`/v1/organizations/${foreign.organizationId}/audit/events?type=AccessDenied`);
    expect(theirs.body.data).toEqual([]);

    const exported = await eventually(async () => {
      const res = await owner.agent.get(`/v1/organizations/${owner.organizationId}/audit/events?type=AuditLogExported`);
      return res.body.data?.length ? res.body.data : undefined;
    }, 'the exports recorded');
    expect(exported[0].summary).toMatch(/^The audit log was exported as jsonl/);
  });
});
