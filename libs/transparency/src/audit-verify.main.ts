import { createReadStream, readFileSync, statSync } from 'node:fs';
import type { AuditKeySet, SignedTreeHead } from './tree-head';
import { verifyExport, type VerifyExportOptions } from './export-verifier';

const USAGE =
  'usage: npm run audit:verify -- <export.jsonl> --keys <file or URL> [--checkpoint <saved head.json>] ' +
  '[--consistency <file or platform URL>]';

/** A JSON document from a file or an http(s) URL. */
async function load(source: string): Promise<unknown> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source);
    if (!res.ok) {
      const problem = (await res.json().catch(() => null)) as { detail?: string; title?: string } | null;
      throw new Error(`${source} answered ${res.status}${problem?.detail || problem?.title ? `: ${problem.detail ?? problem.title}` : ''}`);
    }
    return res.json();
  }
  return JSON.parse(readFileSync(source, 'utf8'));
}

/** The largest line read: an event with its proof is far smaller; a file without newlines is not an export. */
const MAX_LINE = 64 * 1024 * 1024;

/** The file's lines as they are read (one chunk in memory at a time): the export is never held whole. */
async function* linesOf(file: string): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop() as string;
    if (rest.length > MAX_LINE) throw new Error(`${file} has a line longer than ${MAX_LINE} characters: not an export`);
    yield* lines;
  }
  if (rest) yield rest;
}

/**
 * The consistency proof between two tree sizes: from the platform (`GET <base>/v1/audit/consistency`) or a saved
 * answer of it. Either form of its sizes is accepted: the platform's signed heads, or plain numbers.
 */
async function consistencyProof(source: string, first: number, second: number): Promise<readonly string[]> {
  const answer = (await load(
    /^https?:\/\//.test(source) ? `${source.replace(/\/+$/, '')}/v1/audit/consistency?first=${first}&second=${second}` : source,
  )) as { first?: number | { treeSize?: number }; second?: number | { treeSize?: number }; proof?: readonly string[] };
  const size = (end: number | { treeSize?: number } | undefined) => (typeof end === 'number' ? end : end?.treeSize);
  if (size(answer?.first) !== first || size(answer?.second) !== second) {
    throw new Error(`the proof given is between ${size(answer?.first)} and ${size(answer?.second)} events`);
  }
  if (!Array.isArray(answer.proof)) throw new Error('the answer has no proof');
  return answer.proof;
}

/**
 * `npm run audit:verify`: checks an audit log export with nothing but the public keys (docs/audit.md, "Verifying an
 * export"). Exit 0: every event verified; 1: something failed (named); 2: the command was wrong.
 */
async function main(): Promise<number> {
  const started = process.hrtime.bigint();
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
  const keys = (await load(keysSource)) as AuditKeySet;
  if (!keys || !Array.isArray(keys.keys)) throw new Error(`${keysSource} is not a key set ({ "keys": [...] })`);
  const options: VerifyExportOptions = { keys };
  if (checkpointSource) {
    const saved = (await load(checkpointSource)) as SignedTreeHead | { head: SignedTreeHead };
    options.checkpoint = saved && typeof saved === 'object' && 'head' in saved ? saved.head : (saved as SignedTreeHead);
  }
  if (consistencySource) options.consistencyProof = (first, second) => consistencyProof(consistencySource, first, second);
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw new Error(`${file} is not a file`);
  const result = await verifyExport(linesOf(file), options);
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
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(
    `OK: ${result.proven + result.unproven} events verified in ${seconds.toFixed(1)} s: each hashes to its recorded hash; ` +
      `${result.proven} are in the tree head of ${head?.treeSize ?? 0} events` +
      (head ? ` signed ${head.timestamp} by key ${head.keyId}` : ' (no head had been signed)') +
      (result.unproven ? `; ${result.unproven} are newer than that head (hashes verified, not yet covered by a signed head)` : '') +
      (result.checkpoint
        ? `; the head is consistent with the saved head of ${result.checkpoint.treeSize} events (history not rewritten)`
        : '') +
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
