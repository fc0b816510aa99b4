import { useState } from 'react';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../shared/api/client';
import { unwrap } from '../../shared/api/problem';
import type { Schemas } from '../../shared/api/schema';
import { atLeast, useRole } from '../../shared/api/tenancy';
import { formatDateTime } from '../../shared/dates';
import { formatMoney } from '../../shared/money';
import { useScope } from '../../shared/scope';
import { Card, ErrorNotice, Field, PageHeader, QueryView } from '../../shared/ui/ui';
import { useUrlPatch, useUrlState } from '../../shared/url-state';

type Rates = Schemas['PriceRatesDto'];
const RATE = /^\d{1,12}(\.\d{1,12})?$/;
const perMillion = (rate: string | undefined) =>
  rate === undefined ? '—' : formatMoney({ amount: rate, currency: 'USD' }, { exact: true });

export default function PricingPage() {
  return (
    <>
      <PageHeader
        title="Pricing"
        description="The catalog every event is priced with (USD per million tokens), and your organization's own prices."
      />
      <Overrides />
      <Catalog />
    </>
  );
}

function Catalog() {
  const [search] = useUrlState('q', '');
  const [provider] = useUrlState('provider', '');
  const patch = useUrlPatch();
  const [cursor, setCursor] = useState('');
  const query = { limit: 50, ...(search ? { search } : {}), ...(provider ? { provider } : {}), ...(cursor ? { cursor } : {}) };
  const page = useQuery({
    queryKey: ['pricing', query],
    queryFn: async () => unwrap(await api.GET('/v1/pricing/models', { params: { query } })),
    placeholderData: keepPreviousData,
    staleTime: 5 * 60_000,
  });
  return (
    <Card title="Catalog">
      <form
        className="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          setCursor('');
          patch({ q: String(form.get('q')).trim(), provider: String(form.get('provider')).trim() });
        }}
      >
        <Field label="Model" name="q" type="search" defaultValue={search} placeholder="gpt-4o, claude…" />
        <Field label="Provider" name="provider" defaultValue={provider} placeholder="openai, anthropic…" />
        <div className="form-actions">
          <button className="btn" type="submit">
            Search
          </button>
        </div>
      </form>
      <QueryView query={page}>
        {(data) => (
          <>
            {data.data.length === 0 ? <p className="muted">No price matches.</p> : <PriceTable entries={data.data} />}
            <nav className="pager" aria-label="Pages">
              <button type="button" className="btn" disabled={!cursor} onClick={() => setCursor('')}>
                First page
              </button>
              <button type="button" className="btn" disabled={!data.nextCursor} onClick={() => setCursor(data.nextCursor ?? '')}>
                Next page
              </button>
            </nav>
            <p className="muted small">
              Prices from <a href={data.attribution.url}>{data.attribution.name}</a> by {data.attribution.author} (
              {data.attribution.license}).
            </p>
          </>
        )}
      </QueryView>
    </Card>
  );
}

function PriceTable({
  entries,
  onRemove,
}: {
  entries: (Schemas['PriceEntryDto'] | Schemas['PriceOverrideDto'])[];
  onRemove?: (id: string) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Model</th>
            <th scope="col" className="num">
              Input / 1M
            </th>
            <th scope="col" className="num">
              Cached input / 1M
            </th>
            <th scope="col" className="num">
              Output / 1M
            </th>
            <th scope="col">In force</th>
            {onRemove && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              <td>{e.provider}</td>
              <th scope="row">
                <span className="truncate" title={e.model}>
                  {e.model}
                </span>
              </th>
              <td className="num">{perMillion(e.rates.input)}</td>
              <td className="num">{perMillion(e.rates.cachedInput)}</td>
              <td className="num">{perMillion(e.rates.output)}</td>
              <td className="small">
                {e.effectiveFrom ? formatDateTime(e.effectiveFrom) : 'always'} → {e.effectiveTo ? formatDateTime(e.effectiveTo) : 'open'}
              </td>
              {onRemove && (
                <td className="row-actions">
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    onClick={() => window.confirm(`Remove the price of ${e.model}?`) && onRemove(e.id)}
                  >
                    Remove
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Overrides() {
  const { orgId } = useScope();
  const role = useRole(orgId);
  const queryClient = useQueryClient();
  const key = ['pricing-overrides', orgId];
  const [rateError, setRateError] = useState<string | undefined>();
  const overrides = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET('/v1/organizations/{orgId}/pricing/overrides', { params: { path: { orgId } } })).data,
  });
  const create = useMutation({
    mutationFn: async (body: Schemas['CreatePriceOverrideDto']) =>
      unwrap(await api.POST('/v1/organizations/{orgId}/pricing/overrides', { params: { path: { orgId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const remove = useMutation({
    mutationFn: async (overrideId: string) =>
      unwrap(await api.DELETE('/v1/organizations/{orgId}/pricing/overrides/{overrideId}', { params: { path: { orgId, overrideId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const admin = atLeast(role, 'admin');
  return (
    <Card title="Your organization's prices">
      <p className="muted">They win over the catalog while in force, for the provider they name, and reprice past usage in their period.</p>
      {admin && (
        <form
          className="filters"
          aria-label="New price override"
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            const rates: Rates = { input: String(form.get('input')).trim(), output: String(form.get('output')).trim() };
            const cached = String(form.get('cachedInput') ?? '').trim();
            if (cached) rates.cachedInput = cached;
            if (![rates.input, rates.output, ...(cached ? [cached] : [])].every((r) => RATE.test(r))) {
              setRateError('Rates are decimal USD per million tokens, like 0.15.');
              return;
            }
            setRateError(undefined);
            const from = String(form.get('effectiveFrom') ?? '');
            create.mutate(
              {
                provider: String(form.get('provider')).trim(),
                currency: 'USD',
                model: String(form.get('model')).trim(),
                rates,
                ...(from ? { effectiveFrom: new Date(`${from}T00:00:00Z`).toISOString() } : {}),
              },
              { onSuccess: () => (e.target as HTMLFormElement).reset() },
            );
          }}
        >
          <Field label="Provider" name="provider" required placeholder="openai" />
          <Field label="Model" name="model" required placeholder="gpt-4o-mini" />
          <Field label="Input / 1M (USD)" name="input" required inputMode="decimal" error={rateError} />
          <Field label="Cached input / 1M" name="cachedInput" inputMode="decimal" />
          <Field label="Output / 1M (USD)" name="output" required inputMode="decimal" />
          <Field label="From (UTC day)" name="effectiveFrom" type="date" hint="Empty: always." />
          <div className="form-actions">
            <button className="btn btn-primary" type="submit" disabled={create.isPending}>
              Add price
            </button>
          </div>
        </form>
      )}
      {(create.isError || remove.isError) && <ErrorNotice error={create.error ?? remove.error} />}
      <QueryView query={overrides}>
        {(list) =>
          list.length === 0 ? (
            <p className="muted">No price of your own.</p>
          ) : (
            <PriceTable entries={list} onRemove={admin ? (id) => remove.mutate(id) : undefined} />
          )
        }
      </QueryView>
    </Card>
  );
}
