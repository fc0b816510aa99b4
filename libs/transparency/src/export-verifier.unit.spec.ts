import { createHash, generateKeyPairSync } from 'node:crypto';
import { eventHash } from './event-encoding';
import { JsonNumber } from './exact-json';
import { verifyExport, type ExportLine } from './export-verifier';
import { exportLineText, exportWorld, linesOf } from './testing/export-world';
import { signTreeHead, type SignedTreeHead } from './tree-head';

describe('verifyExport', () => {
  const w = exportWorld(21);

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
    const forged = exportWorld(21, { privateKey: w.privateKey, forgeAt: 3 });
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

  it('names an event whose recorded hash was changed, its content left as it was', async () => {
    const lines = w.exportOf('org-a', 21);
    const changed = lines.map((l, i) =>
      i === 2 && l.kind === 'event' ? { ...l, event: { ...l.event, hash: l.event.hash.replace(/^./, (c) => (c === '0' ? '1' : '0')) } } : l,
    );
    expect(await verifyExport(linesOf(changed), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'event', position: 3, eventId: w.events[2].eventId, line: 3, reason: expect.stringMatching(/does not hash/) },
    });
  });

  it('refuses a head signed by another key that names the real key’s id, and a head with fields of the wrong type', async () => {
    const [head, ...events] = w.exportOf('org-a', 21);
    const h = (head as { head: SignedTreeHead }).head;
    const other = signTreeHead({ treeSize: 21, rootHash: h.rootHash, timestamp: h.timestamp }, generateKeyPairSync('ed25519').privateKey);
    expect(other.keyId).not.toBe(h.keyId);
    const impostor = { kind: 'head' as const, head: { ...other, keyId: h.keyId } };
    expect(await verifyExport(linesOf([impostor, ...events]), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'head', line: 1, reason: expect.stringMatching(/bad_signature/) },
    });
    // A key set that lends the real key's id to the other key is refused too: ids are derived from the keys.
    const lent = { keys: [{ ...w.keys.keys[0], x: exportWorld(1).keys.keys[0].x }] };
    expect(await verifyExport(linesOf([head, ...events]), { keys: lent })).toMatchObject({
      ok: false,
      failure: { subject: 'head', reason: expect.stringMatching(/unknown_key/) },
    });
    for (const broken of [
      { ...h, signature: 42 },
      { ...h, treeSize: '21' },
      { ...h, rootHash: null },
    ]) {
      expect(await verifyExport(linesOf([{ kind: 'head', head: broken }, ...events]), { keys: w.keys })).toMatchObject({
        ok: false,
        failure: { subject: 'head', reason: expect.stringMatching(/malformed/) },
      });
    }
  });

  it('hashes numbers from their text, so one that reads as the same double is still named', async () => {
    // What the store holds when a value came from SQL or beyond a double's precision: jsonb prints its digits.
    const exact = {
      big: new JsonNumber('12345678901234567890'),
      price: new JsonNumber('1.50'),
      scaled: new JsonNumber('1.50e1'),
      tiny: new JsonNumber('1e-7'),
    };
    const x = exportWorld(6, { dataAt: { 3: exact } });
    const lines = x.exportOf('org-a', 6);
    expect(exportLineText(lines[2])).toContain('"big":12345678901234567890,"price":1.50,"scaled":1.50e1,"tiny":1e-7');
    expect(await verifyExport(linesOf(lines), { keys: x.keys })).toMatchObject({ ok: true, proven: 3 });
    // The same line through JSON.parse and JSON.stringify: 12345678901234567000, 1.5, 15 — other text, other hash.
    const lossy = lines.map((l) => JSON.parse(exportLineText(l)) as ExportLine);
    expect(await verifyExport(linesOf(lossy), { keys: x.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'event', position: 3, reason: expect.stringMatching(/does not hash/) },
    });
    // An export that writes 0.1 as 0.1000000000000000000001 (the same double) does not show what was hashed.
    const padded = exportLineText(w.exportOf('org-a', 21)[1]).replace('"ratio":0.1', '"ratio":0.1000000000000000000001');
    expect(JSON.parse(padded)).toEqual(JSON.parse(exportLineText(w.exportOf('org-a', 21)[1])));
    expect(await verifyExport(once([exportLineText(w.exportOf('org-a', 21)[0]), padded]), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'event', position: 1, reason: expect.stringMatching(/does not hash/) },
    });
  });

  it('refuses a line that could be read two ways: a key named twice, a string jsonb could not hold, a non-integer position', async () => {
    const [head, first] = w.exportOf('org-a', 21).map(exportLineText);
    const twice = first.replace('"ratio":0.1', '"ratio":0.1,"ratio":0.2');
    expect(await verifyExport(once([head, twice]), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'file', line: 2, reason: expect.stringMatching(/"ratio" appears twice/) },
    });
    const nul = first.replace('"name":"project 1"', '"name":"project\\u00001"');
    expect(await verifyExport(once([head, nul]), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'file', line: 2, reason: expect.stringMatching(/u0000/) },
    });
    const surrogate = first.replace('"name":"project 1"', '"name":"project \\ud800"');
    expect(await verifyExport(once([head, surrogate]), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'file', line: 2, reason: expect.stringMatching(/surrogate/) },
    });
    const fractional = first.replace('"position":1,', '"position":1.0,');
    expect(fractional).not.toBe(first);
    expect(await verifyExport(once([head, fractional]), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'event', line: 2, reason: expect.stringMatching(/position NaN/) },
    });
    expect(await verifyExport(once([head, first.slice(0, -1)]), { keys: w.keys })).toMatchObject({
      ok: false,
      failure: { subject: 'file', line: 2, reason: expect.stringMatching(/not JSON/) },
    });
  });

  it('names a saved head the log cannot prove consistent, and accepts a saved head of the empty tree', async () => {
    const saved = w.head(8);
    const refused = await verifyExport(linesOf(w.exportOf('org-a', 21)), {
      keys: w.keys,
      checkpoint: saved,
      consistencyProof: () => Promise.reject(new Error('no tree head of 8 events was signed')),
    });
    expect(refused).toMatchObject({
      ok: false,
      failure: { subject: 'checkpoint', reason: expect.stringMatching(/no consistency proof between the heads of 8 and 21 events/) },
    });
    const bent = await verifyExport(linesOf(w.exportOf('org-a', 21)), {
      keys: w.keys,
      checkpoint: saved,
      consistencyProof: async (a, b) => (await w.consistencyProof(a, b)).slice(1),
    });
    expect(bent).toMatchObject({ ok: false, failure: { subject: 'checkpoint', reason: expect.stringMatching(/history was rewritten/) } });
    // The saved head is the newer one: the export's head must be a prefix of it.
    const newer = exportWorld(30, { privateKey: w.privateKey });
    expect(
      await verifyExport(linesOf(newer.exportOf('org-a', 12)), {
        keys: w.keys,
        checkpoint: newer.head(30),
        consistencyProof: newer.consistencyProof,
      }),
    ).toMatchObject({ ok: true, checkpoint: { treeSize: 30 } });
    const empty = signTreeHead(
      { treeSize: 0, rootHash: createHash('sha256').digest('hex'), timestamp: '2026-12-01T00:00:00.000Z' },
      w.privateKey,
    );
    expect(await verifyExport(linesOf(w.exportOf('org-a', 21)), { keys: w.keys, checkpoint: empty })).toMatchObject({ ok: true });
    const notEmpty = signTreeHead({ ...empty, rootHash: 'ab'.repeat(32) }, w.privateKey);
    expect(await verifyExport(linesOf(w.exportOf('org-a', 21)), { keys: w.keys, checkpoint: notEmpty })).toMatchObject({
      ok: false,
      failure: { subject: 'checkpoint' },
    });
  });
});

async function* once(lines: readonly string[]): AsyncGenerator<string> {
  yield* lines;
}
