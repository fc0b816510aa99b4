import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AuditKeySet, SignedTreeHead } from './tree-head';
import { verifyExport, type VerifyExportOptions } from './export-verifier';

const USAGE =
  'usage: npm run audit:verify -- <export.jsonl> --keys <file or URL> [--checkpoint <saved head.json>] ' +
  '[--consistency <file or platform URL>]';

/** A JSON document from a file or an http(s) URL. */
async function load(source: string): Promise<unknown> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source);
    if (!res.ok) throw new Error(`${source} answered ${res.status}`);
    return res.json();
  }
  return JSON.parse(readFileSync(source, 'utf8'));
}

/**
 * `npm run audit:verify`: checks an audit log export with nothing but the public keys (docs/audit.md, "Verifying an
 * export"). Exit 0: every event verified; 1: something failed (named); 2: the command was wrong.
 */
async function main(): Promise<number> {
  const [file, ...rest] = process.argv.slice(2);
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    if (!['--keys', '--checkpoint', '--consistency'].includes(rest[i]) || rest[i + 1] === undefined) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    flags.set(rest[i], rest[i + 1]);
  }
  const keysSource = flags.get('--keys');
  const checkpointSource = flags.get('--checkpoint');
  // Where consistency proofs come from: a saved `GET /v1/audit/consistency` answer, or the platform's base URL (by
  // default the keys URL's origin).
  const consistencySource =
    flags.get('--consistency') ?? (keysSource && /^https?:\/\//.test(keysSource) ? new URL(keysSource).origin : undefined);
  if (!file || file.startsWith('--') || !keysSource) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const options: VerifyExportOptions = { keys: (await load(keysSource)) as AuditKeySet };
  if (checkpointSource) {
    const saved = (await load(checkpointSource)) as SignedTreeHead | { head: SignedTreeHead };
    options.checkpoint = 'head' in saved ? saved.head : saved;
  }
  if (consistencySource) {
    options.consistencyProof = async (first, second) => {
      const answer = (await load(
        /^https?:\/\//.test(consistencySource)
          ? `${consistencySource.replace(/\/+$/, '')}/v1/audit/consistency?first=${first}&second=${second}`
          : consistencySource,
      )) as { first: { treeSize: number }; second: { treeSize: number }; proof: string[] };
      if (answer.first?.treeSize !== first || answer.second?.treeSize !== second) {
        throw new Error(
          `the consistency proof is between ${answer.first?.treeSize} and ${answer.second?.treeSize}, not ${first} and ${second}`,
        );
      }
      return answer.proof;
    };
  }
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  const result = await verifyExport(lines, options);
  if (!result.ok) {
    const f = result.failure;
    const where =
      f.subject === 'event'
        ? `event ${f.position} (${f.eventId}, line ${f.line})`
        : f.subject === 'file'
          ? `line ${f.line ?? '-'}`
          : `the ${f.subject === 'head' ? "export's tree head" : 'saved checkpoint'}`;
    process.stdout.write(`FAILED at ${where}: ${f.reason}\n`);
    return 1;
  }
  const head = result.head;
  process.stdout.write(
    `OK: ${result.proven} events verified: each hashes to its recorded hash and is in the tree head of ${head?.treeSize ?? 0} events` +
      (head ? ` signed ${head.timestamp} by key ${head.keyId}` : '') +
      (result.unproven ? `; ${result.unproven} newer than that head (hashes verified, not yet covered by a signed head)` : '') +
      (result.checkpoint ? `; consistent with the saved head of ${result.checkpoint.treeSize} events (history not rewritten)` : '') +
      '\n',
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:verify: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
