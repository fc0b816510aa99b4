import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { eventHash, type HashedEvent } from './event-encoding';
import { consistencyRanges, inclusionRanges, leafHash, MerkleFrontier, rangeHash, type NodeId } from './merkle';
import { verifyExport, type ExportLine } from './export-verifier';
import { signTreeHead, toAuditPublicKey, type SignedTreeHead } from './tree-head';

/** A store of `n` chained events, the tree over them, and a signing key: what the audit service holds. */
function world(n: number, options: { privateKey?: KeyObject; forgeAt?: number } = {}) {
  const events: (HashedEvent & { hash: string })[] = [];
  let prevHash = '0'.repeat(64);
  for (let position = 1; position <= n; position++) {
    const event: HashedEvent = {
      position,
      streamId: `auth.project-${position % 3}`,
      revision: Math.floor(position / 3),
      eventId: `0190a0b0-0000-7000-8000-${String(position).padStart(12, '0')}`,
      type: position % 2 ? 'ProjectCreated' : 'ProjectUpdated',
      version: 1,
      data: position === options.forgeAt ? { name: 'forged' } : { name: `project ${position}`, amount: '0.000123', ratio: 0.1, tiny: 1e-7 },
      metadata: { actor: { type: 'user', id: 'u' }, organizationId: position % 2 ? 'org-a' : 'org-b', correlationId: 'c' },
      recordedAt: `2026-12-05T10:00:${String(position % 60).padStart(2, '0')}.123456Z`,
      prevHash,
    };
    const hash = eventHash(event);
    events.push({ ...event, hash });
    prevHash = hash;
  }
  const frontier = MerkleFrontier.empty();
  const nodes = new Map<string, Buffer>();
  const roots = new Map<number, string>();
  for (const e of events) {
    for (const node of frontier.append(leafHash(Buffer.from(e.hash, 'hex')))) nodes.set(`${node.level}:${node.index}`, node.hash);
    roots.set(frontier.treeSize, frontier.root().toString('hex'));
  }
  const node = (id: NodeId) => nodes.get(`${id.level}:${id.index}`)!;
  const privateKey = options.privateKey ?? generateKeyPairSync('ed25519').privateKey;
  const publicKey = createPublicKey(privateKey);
  const keys = { keys: [toAuditPublicKey(publicKey, '2026-12-01T00:00:00.000Z')] };
  const head = (size: number): SignedTreeHead =>
    signTreeHead({ treeSize: size, rootHash: roots.get(size)!, timestamp: '2026-12-05T10:01:00.000Z' }, privateKey);
  /** The export of one organization against the head of `size` events, as the audit service writes it. */
  const exportOf = (organizationId: string, size: number): ExportLine[] => [
    { kind: 'head', head: head(size) },
    ...events
      .filter((e) => (e.metadata as { organizationId: string }).organizationId === organizationId)
      .map((event) => ({
        kind: 'event' as const,
        event,
        proof:
          event.position <= size
            ? {
                leafIndex: event.position - 1,
                treeSize: size,
                auditPath: inclusionRanges(event.position - 1, size).map((r) => rangeHash(r, node).toString('hex')),
              }
            : null,
      })),
  ];
  const consistencyProof = async (first: number, second: number) =>
    consistencyRanges(first, second).map((r) => rangeHash(r, node).toString('hex'));
  return { events, keys, head, exportOf, consistencyProof, privateKey };
}

async function* linesOf(lines: ExportLine[]): AsyncGenerator<string> {
  for (const line of lines) yield JSON.stringify(line);
}

describe('verifyExport', () => {
  const w = world(21);

  it('verifies an export whose events are all in the signed head, and counts those newer than it', async () => {
    expect(await verifyExport(linesOf(w.exportOf('org-a', 21)), { keys: w.keys })).toMatchObject({ ok: true, proven: 11, unproven: 0 });
    expect(await verifyExport(linesOf(w.exportOf('org-b', 15)), { keys: w.keys })).toMatchObject({ ok: true, proven: 7, unproven: 3 });
  });

  it('names an event whose content was changed, even with its hash left as it was', async () => {
    const lines = w.exportOf('org-a', 21);
    const edited = lines.map((l, i) =>
      i === 3 && l.kind === 'event' ? { ...l, event: { ...l.event, data: { ...(l.event.data as object), amount: '999' } } } : l,
    );
    expect(await verifyExport(linesOf(edited), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'event', position: 5, reason: expect.stringMatching(/does not hash/) },
    });
  });

  it('names an event rewritten and re-hashed, which its proof no longer places in the signed tree', async () => {
    const lines = w.exportOf('org-a', 21);
    const rewritten = lines.map((l, i) => {
      if (i !== 2 || l.kind !== 'event') return l;
      const event = { ...l.event, data: { forged: true } };
      return { ...l, event: { ...event, hash: eventHash(event) } };
    });
    expect(await verifyExport(linesOf(rewritten), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'event', position: 3, reason: expect.stringMatching(/inclusion proof/) },
    });
  });

  it('names a removed, reordered or bent proof element, and a dropped or reordered event', async () => {
    const lines = w.exportOf('org-a', 21);
    const bend = (change: (path: string[]) => string[]) =>
      lines.map((l, i) =>
        i === 4 && l.kind === 'event' && l.proof ? { ...l, proof: { ...l.proof, auditPath: change([...l.proof.auditPath]) } } : l,
      );
    for (const changed of [
      bend((p) => p.slice(1)),
      bend((p) => p.reverse()),
      bend((p) => [p[0].replace(/^./, p[0][0] === 'a' ? 'b' : 'a'), ...p.slice(1)]),
    ]) {
      expect(await verifyExport(linesOf(changed), { keys: w.keys })).toMatchObject({
        ok: false,
        failure: { subject: 'event', position: 7 },
      });
    }
    const swapped = [lines[0], lines[2], lines[1], ...lines.slice(3)];
    expect(await verifyExport(linesOf(swapped), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'event', reason: expect.stringMatching(/does not follow/) },
    });
  });

  it('refuses a head with a bad signature, from an unknown key, or none at all', async () => {
    const [head, ...events] = w.exportOf('org-a', 21);
    const h = (head as { head: SignedTreeHead }).head;
    const forged = { kind: 'head' as const, head: { ...h, rootHash: 'ab'.repeat(32) } };
    expect(await verifyExport(linesOf([forged, ...events]), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'head', reason: expect.stringMatching(/bad_signature/) },
    });
    const stranger = signTreeHead(
      { treeSize: 21, rootHash: h.rootHash, timestamp: h.timestamp },
      generateKeyPairSync('ed25519').privateKey,
    );
    expect(await verifyExport(linesOf([{ kind: 'head', head: stranger }, ...events]), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'head', reason: expect.stringMatching(/unknown_key/) },
    });
    expect(await verifyExport(linesOf(events), { keys: w.keys })).toMatchObject({ ok: false, failure: { subject: 'file' } });
  });

  it('checks a saved head against the export’s: consistent history passes, a rewritten one is named', async () => {
    const saved = w.head(8);
    expect(
      await verifyExport(linesOf(w.exportOf('org-a', 21)), { keys: w.keys, checkpoint: saved, consistencyProof: w.consistencyProof }),
    ).toMatchObject({
      ok: true,
      checkpoint: { treeSize: 8 },
    });
    // Later the operator rewrote event 3, re-hashed everything after it, rebuilt the tree and signed it with the
    // real key (the worst case): the forged export verifies on its own, but not against the head kept before.
    const forged = world(21, { privateKey: w.privateKey, forgeAt: 3 });
    expect(await verifyExport(linesOf(forged.exportOf('org-a', 21)), { keys: w.keys })).toMatchObject({ ok: true });
    const rewritten = await verifyExport(linesOf(forged.exportOf('org-a', 21)), {
      keys: w.keys,
      checkpoint: saved,
      consistencyProof: forged.consistencyProof,
    });
    expect(rewritten).toMatchObject({
      ok: false,
      failure: { subject: 'checkpoint', reason: expect.stringMatching(/history was rewritten/) },
    });
    const noProof = await verifyExport(linesOf(w.exportOf('org-a', 21)), { keys: w.keys, checkpoint: saved });
    expect(noProof).toMatchObject({
      ok: false,
      failure: { subject: 'checkpoint', reason: expect.stringMatching(/consistency proof is needed/) },
    });
  });
});
