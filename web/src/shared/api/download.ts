import { authFetch } from './client';
import { ApiError } from './problem';
import type { Problem } from './schema';

/**
 * Saves what an authenticated GET answers as a file (an export): fetched with the session's token, then handed to
 * the browser as a download. A problem answer throws an ApiError, as the typed client's calls do.
 */
export async function downloadFile(path: string, filename: string): Promise<void> {
  const res = await authFetch(new Request(new URL(path, location.origin)));
  if (!res.ok) throw new ApiError(res.status, (await res.json().catch(() => undefined)) as Partial<Problem> | undefined);
  const url = URL.createObjectURL(await res.blob());
  try {
    const link = document.createElement('a');
    link.href = url;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
