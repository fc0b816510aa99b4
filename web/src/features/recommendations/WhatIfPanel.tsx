import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import type { Schemas } from '../../shared/api/schema';
import { formatCount, formatMoney } from '../../shared/money';
import type { Scope } from '../../shared/scope';
import { Card, ErrorNotice, Field } from '../../shared/ui/ui';

type WhatIf = Schemas['WhatIfDto'];

const today = () => new Date().toISOString().slice(0, 10);
const monthStart = () => `${today().slice(0, 8)}01`;
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
/** `openai/gpt-4o` → `{ provider, model }`; undefined for text without a provider. */
function modelRef(text: string): { provider: string; model: string } | undefined {
  const slash = text.indexOf('/');
  return slash > 0 && slash < text.length - 1 ? { provider: text.slice(0, slash).trim(), model: text.slice(slash + 1).trim() } : undefined;
}

/**
 * What the period would have cost with another model, prompt caching or the batch APIs: the recorded traffic repriced
 * exactly by the platform (`POST .../what-if`), row by row.
 */
export function WhatIfPanel({ scope }: { scope: Scope }) {
  const [from, setFrom] = useState(monthStart);
  const [to, setTo] = useState(tomorrow);
  const [replace, setReplace] = useState('');
  const [by, setBy] = useState('');
  const [feature, setFeature] = useState('');
  const [cachedPercent, setCachedPercent] = useState('');
  const [batch, setBatch] = useState(false);
  const [formError, setFormError] = useState<string | undefined>();
  const run = useMutation({
    mutationFn: async (body: WhatIf) =>
      unwrap(
        scope.projectId
          ? await api.POST('/v1/projects/{projectId}/what-if', { params: { path: { projectId: scope.projectId } }, body })
          : await api.POST('/v1/organizations/{orgId}/what-if', { params: { path: { orgId: scope.orgId } }, body }),
      ),
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const match = modelRef(replace);
    const use = modelRef(by);
    if ((replace || by) && (!match || !use)) {
      setFormError('Name both models as provider/model, e.g. openai/gpt-4o and openai/gpt-4o-mini.');
      return;
    }
    setFormError(undefined);
    run.mutate({
      from,
      to,
      ...(match && use ? { substitutions: [{ match: { ...match, ...(feature ? { feature } : {}) }, use }] } : {}),
      ...(cachedPercent ? { promptCaching: { cachedShare: Number(cachedPercent) / 100 } } : {}),
      ...(batch ? { batch: feature ? { features: [feature] } : {} } : {}),
    });
  }

  const result = run.data;
  return (
    <Card title="What if">
      <p className="muted">
        Reprice the period&apos;s recorded traffic with another model, prompt caching or the batch APIs. Each changed day is priced at the
        prices in force that day.
      </p>
      <form className="filters" aria-label="What if" onSubmit={submit}>
        <Field label="From (UTC day)" type="date" value={from} onChange={(e) => setFrom(e.target.value)} required />
        <Field label="To (excluded)" type="date" value={to} onChange={(e) => setTo(e.target.value)} required />
        <Field label="Replace model" placeholder="openai/gpt-4o" value={replace} onChange={(e) => setReplace(e.target.value)} />
        <Field label="By model" placeholder="openai/gpt-4o-mini" value={by} onChange={(e) => setBy(e.target.value)} />
        <Field label="Only feature" placeholder="any" value={feature} onChange={(e) => setFeature(e.target.value)} />
        <Field
          label="Cached input %"
          type="number"
          min={0}
          max={100}
          placeholder="as recorded"
          value={cachedPercent}
          onChange={(e) => setCachedPercent(e.target.value)}
        />
        <div className="field">
          <label>
            <input type="checkbox" checked={batch} onChange={(e) => setBatch(e.target.checked)} /> Batch API
          </label>
        </div>
        <button type="submit" className="btn btn-primary" disabled={run.isPending}>
          {run.isPending ? 'Pricing…' : 'Price it'}
        </button>
      </form>
      {formError && (
        <p className="field-error" role="alert">
          {formError}
        </p>
      )}
      {run.isError && <ErrorNotice error={run.error} />}
      {result && (
        <>
          <p role="status">
            Recorded <strong>{formatMoney(result.actual)}</strong>; with the changes{' '}
            <strong>{result.projected ? formatMoney(result.projected) : 'unknown (no price for a model)'}</strong>
            {result.difference && <>: {formatMoney(result.difference)} less</>}.
          </p>
          <div className="table-wrap">
            <table className="table" aria-label="What if, per model and feature">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col">Feature</th>
                  <th scope="col">Calls</th>
                  <th scope="col">Recorded</th>
                  <th scope="col">With the changes</th>
                </tr>
              </thead>
              <tbody>
                {result.rows.map((r) => (
                  <tr key={`${r.provider}/${r.model}/${r.feature}`}>
                    <th scope="row">
                      {r.provider}/{r.model}
                      {r.use && ` → ${r.use.provider}/${r.use.model}`}
                    </th>
                    <td>{r.feature || '—'}</td>
                    <td>{formatCount(r.calls)}</td>
                    <td>
                      {formatMoney(r.actual)}
                      {r.unpricedCalls > 0 && <small className="muted"> ({formatCount(r.unpricedCalls)} calls without a price)</small>}
                    </td>
                    <td>{r.projected ? formatMoney(r.projected) : 'no price'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Card>
  );
}
