import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportLineText, exportWorld } from './testing/export-world';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..', '..');

/** `npm run audit:verify` as an auditor runs it: its own process, files only. */
function auditVerify(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', join(ROOT, 'libs/transparency/src/audit-verify.main.ts'), ...args],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') } },
      (error, stdout, stderr) => resolve({ status: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

describe('npm run audit:verify', () => {
  const w = exportWorld(21);
  const dir = mkdtempSync(join(tmpdir(), 'llmlab-audit-verify-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const lines = w.exportOf('org-a', 21).map(exportLineText);
  const exportFile = file('audit.jsonl', `${lines.join('\n')}\n`);
  const keys = file('keys.json', JSON.stringify(w.keys));
  const saved = file('saved-head.json', JSON.stringify(w.head(8)));

  it('passes a valid export and a saved head proven consistent by a saved proof; names a tampered event; refuses a wrong command', async () => {
    const proof = await w.consistencyProof(8, 21);
    // The platform's answer (`GET /v1/audit/consistency`) with its signed heads, and the bare form with sizes.
    const answer = file('consistency.json', JSON.stringify({ first: w.head(8), second: w.head(21), proof }));
    const bare = file('consistency-bare.json', JSON.stringify({ first: 8, second: 21, proof }));
    const otherSizes = file('consistency-other.json', JSON.stringify({ first: 4, second: 21, proof }));
    const target = JSON.parse(lines[2]) as { event: { position: number; eventId: string; data: Record<string, unknown> } };
    target.event.data = { ...target.event.data, amount: '999' };
    const tampered = file('tampered.jsonl', [lines[0], lines[1], JSON.stringify(target), ...lines.slice(3)].join('\n'));

    const [ok, okBare, noProof, wrongProof, changed, usage, missing] = await Promise.all([
      auditVerify([exportFile, '--keys', keys, '--checkpoint', saved, '--consistency', answer]),
      auditVerify([exportFile, '--keys', keys, '--checkpoint', saved, '--consistency', bare]),
      auditVerify([exportFile, '--keys', keys, '--checkpoint', saved]),
      auditVerify([exportFile, '--keys', keys, '--checkpoint', saved, '--consistency', otherSizes]),
      auditVerify([tampered, '--keys', keys]),
      auditVerify([exportFile]),
      auditVerify([join(dir, 'nothing.jsonl'), '--keys', keys]),
    ]);

    expect(ok.stdout).toMatch(
      /^OK: 11 events verified in \d+\.\d s: .*11 are in the tree head of 21 events signed 2026-12-05T10:01:00.000Z/,
    );
    expect(ok.stdout).toContain('consistent with the saved head of 8 events');
    expect(ok.status).toBe(0);
    expect(okBare).toMatchObject({ status: 0, stdout: expect.stringContaining('consistent with the saved head of 8 events') });

    expect(noProof).toMatchObject({
      status: 1,
      stdout: expect.stringMatching(/^FAILED at the saved checkpoint: a consistency proof is needed/),
    });
    expect(wrongProof).toMatchObject({
      status: 1,
      stdout: expect.stringMatching(
        /^FAILED at the saved checkpoint: no consistency proof between the heads of 8 and 21 events \(the proof given is between 4 and 21/,
      ),
    });
    expect(changed).toMatchObject({
      status: 1,
      stdout: `FAILED at event ${target.event.position} (${target.event.eventId}, line 3): its content does not hash to its recorded hash: it was changed\n`,
    });
    expect(usage).toMatchObject({ status: 2, stderr: expect.stringMatching(/^usage: npm run audit:verify/) });
    expect(missing).toMatchObject({ status: 2, stderr: expect.stringMatching(/nothing\.jsonl is not a file/) });
  });
});
