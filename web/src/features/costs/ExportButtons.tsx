import { useState } from 'react';
import { authFetch } from '../../shared/api/client';
import { ApiError } from '../../shared/api/problem';
import type { Scope } from '../../shared/scope';
import { ErrorNotice } from '../../shared/ui/ui';

/**
 * Downloads the records of the range through the export routes (CSV or JSON Lines). The request needs the access
 * token, which a plain link cannot carry: the file is fetched, then handed to the browser as a download.
 */
export function ExportButtons({ scope, range, model }: { scope: Scope; range: { from: string; to: string }; model?: string }) {
  const [busy, setBusy] = useState<'csv' | 'jsonl' | null>(null);
  const [error, setError] = useState<unknown>(null);
  if (!scope.projectId) return <p className="muted small">Choose a project to download its records.</p>;
  const download = async (format: 'csv' | 'jsonl') => {
    setBusy(format);
    setError(null);
    try {
      const query = new URLSearchParams({ from: range.from, to: range.to, format, ...(model ? { model } : {}) });
      const res = await authFetch(new Request(`${location.origin}/v1/projects/${scope.projectId}/usage/export?${query}`));
      if (!res.ok) throw new ApiError(res.status, (await res.json().catch(() => undefined)) as never);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `usage-${scope.projectId}-${range.from.slice(0, 10)}.${format}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="export">
      <button type="button" className="btn" onClick={() => void download('csv')} disabled={busy !== null}>
        {busy === 'csv' ? 'Preparing…' : 'Download CSV'}
      </button>
      <button type="button" className="btn" onClick={() => void download('jsonl')} disabled={busy !== null}>
        {busy === 'jsonl' ? 'Preparing…' : 'Download JSON Lines'}
      </button>
      {error !== null && <ErrorNotice error={error} />}
    </div>
  );
}
