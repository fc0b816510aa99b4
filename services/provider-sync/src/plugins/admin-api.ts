import { asRecord, parseExact, stringOrNull } from './lossless';
import { ProviderRequestError, type ProviderHttp } from './provider-http';

/** One Admin API endpoint of a connection's provider account: where it is and the headers that carry the key. */
export interface AdminEndpoint {
  /** The connection's origin, without a trailing slash (`originOf`). */
  origin: string;
  /** Named in errors; the origin and the headers never are. */
  path: string;
  headers: Record<string, string>;
}

/**
 * Asks a cheap list endpoint whether the provider accepts the admin key: true for a 2xx, false for a 401/403
 * (the key is wrong or lacks the admin role), and throws for anything else, which says nothing about the key.
 */
export async function checkAdminKey(http: ProviderHttp, endpoint: AdminEndpoint, query = 'limit=1'): Promise<boolean> {
  const { status } = await http.get(`${endpoint.origin}${endpoint.path}?${query}`, endpoint.headers);
  if (status === 401 || status === 403) return false;
  if (status >= 200 && status < 300) return true;
  throw new ProviderRequestError(`${endpoint.path} answered ${status}`, status);
}

/** One answer of a cursor-paged report: the cursor that fetched it (null: the first page), the next one, the body. */
export interface CursorPage {
  cursor: string | null;
  next: string | null;
  body: Record<string, unknown>;
}

/**
 * Every page of a report paged the way OpenAI's and Anthropic's Admin APIs page theirs: the answer's `has_more` and
 * `next_page`, sent back as `page=`. Retries (429 with Retry-After, 5xx) are the `ProviderHttp`'s. A provider that
 * hands back a cursor already followed would make the sync loop for ever, so that page is refused.
 */
export async function* cursorPages(http: ProviderHttp, endpoint: AdminEndpoint, query: string): AsyncIterable<CursorPage> {
  const followed = new Set<string>();
  let cursor: string | null = null;
  for (;;) {
    const url = `${endpoint.origin}${endpoint.path}?${query}${cursor ? `&page=${encodeURIComponent(cursor)}` : ''}`;
    const { status, body } = await http.get(url, endpoint.headers);
    if (status < 200 || status >= 300) throw new ProviderRequestError(`${endpoint.path} answered ${status}`, status);
    const page = asRecord(parseExact(body));
    const next = page.has_more === true ? stringOrNull(page.next_page) : null;
    if (next !== null && (next === cursor || followed.has(next))) {
      throw new ProviderRequestError(`${endpoint.path}: next_page repeats a cursor already followed`, status);
    }
    yield { cursor, next, body: page };
    if (next === null) return;
    if (cursor !== null) followed.add(cursor);
    cursor = next;
  }
}
