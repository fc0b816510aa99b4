/**
 * The browser's credentials. The access token lives in this module's memory only (never in localStorage,
 * sessionStorage or a readable cookie); the refresh token is an httpOnly cookie the page cannot read, sent by the
 * browser to /v1/auth/session/* only. A reload starts with no token and asks for one with the cookie.
 */
const CSRF = { 'x-llmlab-csrf': '1' };
/** Refresh a little before the access token expires, so no request goes out with a token about to lapse. */
const EARLY_MS = 30_000;

interface Tokens {
  accessToken: string;
  expiresAt: number;
}

let tokens: Tokens | null = null;
let inflight: Promise<string | null> | null = null;
const listeners = new Set<(signedIn: boolean) => void>();

export interface SessionAnswer {
  accessToken: string;
  expiresIn: number;
}

export function setSession(answer: SessionAnswer): void {
  tokens = { accessToken: answer.accessToken, expiresAt: Date.now() + answer.expiresIn * 1000 };
  listeners.forEach((l) => l(true));
}

export function clearSession(): void {
  tokens = null;
  listeners.forEach((l) => l(false));
}

/** Called with false when the session ends (logout, or a refresh the server refused). */
export function onSessionChange(listener: (signedIn: boolean) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function postRefresh(): Promise<string | null> {
  const res = await fetch('/v1/auth/session/refresh', { method: 'POST', headers: CSRF, credentials: 'same-origin' });
  if (!res.ok) {
    clearSession();
    return null;
  }
  const answer = (await res.json()) as SessionAnswer;
  setSession(answer);
  return answer.accessToken;
}

/**
 * A new access token from the cookie. Refresh tokens rotate and a token used twice revokes the whole session, so
 * two refreshes must never race: one at a time in this tab (a shared promise), and across tabs under a Web Lock (the
 * second tab then sends the cookie the first one received).
 */
export function refreshSession(): Promise<string | null> {
  if (!inflight) {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    const run = locks ? (locks.request('llmlab-session-refresh', () => postRefresh()) as unknown as Promise<string | null>) : postRefresh();
    inflight = run.finally(() => {
      inflight = null;
    });
  }
  return inflight;
}

/** The access token to send now, refreshed first when it is missing or about to expire. */
export async function accessToken(): Promise<string | null> {
  if (tokens && tokens.expiresAt - EARLY_MS > Date.now()) return tokens.accessToken;
  return refreshSession();
}

export function hasSession(): boolean {
  return tokens !== null;
}

export async function endSession(): Promise<void> {
  try {
    await fetch('/v1/auth/session/logout', { method: 'POST', headers: CSRF, credentials: 'same-origin' });
  } finally {
    clearSession();
  }
}

export const csrfHeaders = CSRF;
