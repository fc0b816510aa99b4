import { Fragment, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, fieldError } from '../../shared/api/problem';
import { formatDateTime } from '../../shared/dates';
import { formatCount, formatMoney } from '../../shared/money';
import { Card, ErrorNotice, Field, QueryView, SelectField } from '../../shared/ui/ui';
import {
  PROVIDER_NAMES,
  PROVIDER_OPTIONS,
  useRemoveRoute,
  useRoutes,
  useRouteTraffic,
  useSetRoute,
  type Provider,
  type Route,
  type RouteTraffic,
} from './proxy.queries';

/** The API's limit: the first target and 4 fallbacks. */
const MAX_TARGETS = 5;
/** Whether the refusal names only fields the form shows beside their inputs: the notice would repeat them. */
const onlyBesideInputs = (error: unknown, fields: readonly string[]) =>
  error instanceof ApiError && !!error.problem?.errors?.length && error.problem.errors.every((e) => fields.includes(e.field));

/**
 * The project's routes (owners and admins): a model name callers ask for, served by its targets in order. Listed,
 * set (created, or replaced for a model name that has one) from a form that an Edit button fills, removed.
 */
export function RoutesSection({ projectId }: { projectId: string }) {
  const routes = useRoutes(projectId);
  const remove = useRemoveRoute(projectId);
  const trafficQuery = useRouteTraffic(projectId);
  // The figures are an aside: the routes show without them while they load, or if they cannot be read.
  const traffic = trafficQuery.isSuccess
    ? new Map(trafficQuery.data.routes.map((r) => [r.routeId, r]))
    : trafficQuery.isError
      ? ('unavailable' as const)
      : ('loading' as const);
  // Edit fills the form: a new form (its key), with the route's values and the focus.
  const [editing, setEditing] = useState<{ route?: Route; version: number }>({ version: 0 });
  return (
    <Card title="Routes">
      <p className="muted">
        A route serves the calls that ask for its model name (an alias such as <code>chat-default</code>, or a real model name) with its
        targets, in order. The first target&apos;s model replaces the one asked. On a 429, a 5xx, a timeout or a connection error, after
        retries that honour Retry-After, the next target is tried; any other 4xx error of the caller is returned as it is. A route applies
        to the calls sent to either address above. A target of the caller&apos;s own provider uses the project&apos;s stored key for it, or
        the caller&apos;s own key; a target of another provider uses the project&apos;s stored key for that provider (store it above). Of
        the same format (OpenAI, Groq, DeepSeek, Azure OpenAI…) the call goes as it came; a chat call to the other format (OpenAI ⇄
        Anthropic) is translated, both ways. A call that does not translate (embeddings, or several choices, for instance) skips such a
        target.
      </p>
      {remove.isError && <ErrorNotice error={remove.error} />}
      <QueryView query={routes} label="Loading the routes">
        {(list) => (
          <>
            {list.length === 0 ? (
              <p className="muted">No routes: calls go to the model they ask for.</p>
            ) : (
              <RoutesTable
                routes={list}
                traffic={traffic}
                removing={remove.isPending}
                onEdit={(route) => setEditing((e) => ({ route, version: e.version + 1 }))}
                onRemove={(route) => remove.mutate(route.routeId)}
              />
            )}
            <RouteForm key={editing.version} projectId={projectId} routes={list} initial={editing.route} focus={editing.version > 0} />
          </>
        )}
      </QueryView>
    </Card>
  );
}

function RoutesTable({
  routes,
  traffic,
  removing,
  onEdit,
  onRemove,
}: {
  routes: Route[];
  traffic: Map<string, RouteTraffic> | 'loading' | 'unavailable';
  removing: boolean;
  onEdit: (route: Route) => void;
  onRemove: (route: Route) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Routes</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Targets, in order</th>
            <th scope="col">Timeout, cache</th>
            <th scope="col">Last 30 days</th>
            <th scope="col">Updated</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {routes.map((r) => (
            <tr key={r.routeId}>
              <th scope="row">
                <code className="truncate" title={r.model}>
                  {r.model}
                </code>
                {r.feature !== null && (
                  <span className="muted small nowrap"> feature {r.feature === '' ? '(none)' : <code>{r.feature}</code>}</span>
                )}
                {r.recommendationId && (
                  <span className="badge" title={`Applies recommendation ${r.recommendationId}`}>
                    recommendation
                  </span>
                )}
              </th>
              <td>
                {/* A line breaks before an arrow, never inside a target. */}
                {r.targets.map((t, i) => (
                  <Fragment key={i}>
                    {i > 0 && ' '}
                    <span className="nowrap">
                      {i > 0 && '→ '}
                      {/* The provider once, and again where it changes. */}
                      {(i === 0 || t.provider !== r.targets[i - 1].provider) && `${PROVIDER_NAMES[t.provider]}: `}
                      <code className="truncate" title={t.model}>
                        {t.model}
                      </code>
                    </span>
                  </Fragment>
                ))}
              </td>
              <td>
                <span className="nowrap">{r.timeoutMs === null ? <span className="muted">default</span> : `${r.timeoutMs / 1000} s`},</span>{' '}
                <span className="nowrap">
                  {r.cacheTtlSeconds === null ? <span className="muted">no cache</span> : `cache ${r.cacheTtlSeconds} s`}
                </span>
              </td>
              <td>
                <TrafficCell traffic={typeof traffic === 'string' ? traffic : traffic.get(r.routeId)} />
              </td>
              <td>
                {/* Breaks between the day and the time, never inside either. */}
                {formatDateTime(r.updatedAt)
                  .split(', ')
                  .map((part, i, parts) => (
                    <Fragment key={i}>
                      {i > 0 && ' '}
                      <span className="nowrap">{i < parts.length - 1 ? `${part},` : part}</span>
                    </Fragment>
                  ))}
              </td>
              <td className="nowrap">
                <button type="button" className="btn btn-small" aria-label={`Edit the route for ${r.model}`} onClick={() => onEdit(r)}>
                  Edit
                </button>{' '}
                <button
                  type="button"
                  className="btn btn-small btn-danger"
                  aria-label={`Remove the route for ${r.model}`}
                  disabled={removing}
                  onClick={() =>
                    window.confirm(
                      `Remove the route for ${r.model}? Within seconds, calls that ask for ${r.model} go to the provider as they are, with no fallback.`,
                    ) && onRemove(r)
                  }
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type TargetRow = { key: number; provider: Provider; model: string };

/**
 * A route's last 30 UTC days, today included: its calls and their cost, then only what happened (calls answered by a fallback, errors,
 * cache hits with the money they saved).
 */
function TrafficCell({ traffic }: { traffic: RouteTraffic | undefined | 'loading' | 'unavailable' }) {
  if (traffic === 'loading')
    return (
      <span className="muted">
        <span aria-hidden="true">…</span>
        <span className="visually-hidden">loading</span>
      </span>
    );
  if (traffic === 'unavailable') return <span className="muted">not available</span>;
  if (!traffic) return <span className="muted">no calls</span>;
  const details = [
    traffic.fallbacks > 0 && `${formatCount(traffic.fallbacks)} by a fallback`,
    traffic.errors > 0 && `${formatCount(traffic.errors)} ${traffic.errors === 1 ? 'error' : 'errors'}`,
    traffic.cacheHits > 0 && `${formatCount(traffic.cacheHits)} from the cache, ${formatMoney(traffic.cacheSaved)} saved`,
  ].filter((d): d is string => typeof d === 'string');
  return (
    <>
      <span className="nowrap">
        {formatCount(traffic.calls)} {traffic.calls === 1 ? 'call' : 'calls'},
      </span>{' '}
      <span className="nowrap">{formatMoney(traffic.cost)}</span>
      {details.length > 0 && (
        <>
          {/* A line of its own on screen; a space between the two when read as text. */}{' '}
          <div className="muted small">{details.join(' · ')}</div>
        </>
      )}
    </>
  );
}
function RouteForm({ projectId, routes, initial, focus }: { projectId: string; routes: Route[]; initial?: Route; focus: boolean }) {
  const [model, setModel] = useState(initial?.model ?? '');
  const [feature, setFeature] = useState(initial?.feature ?? '');
  const [targets, setTargets] = useState<TargetRow[]>(() =>
    (initial?.targets ?? [{ provider: 'openai' as const, model: '' }]).map((t, key) => ({ key, provider: t.provider, model: t.model })),
  );
  const [nextKey, setNextKey] = useState(initial?.targets.length ?? 1);
  const [seconds, setSeconds] = useState(initial?.timeoutMs ? String(initial.timeoutMs / 1000) : '');
  const [cacheSeconds, setCacheSeconds] = useState(initial?.cacheTtlSeconds ? String(initial.cacheTtlSeconds) : '');
  const save = useSetRoute(projectId);
  const error = save.error;
  const form = useRef<HTMLFormElement>(null);
  const targetsId = useId();
  const existing = routes.find((r) => r.model === model.trim() && (r.feature ?? '') === feature.trim());
  /** The fields shown beside their inputs; the rest of a refusal goes in the notice. */
  const fields = ['/model', '/feature', '/timeoutMs', '/cacheTtlSeconds', ...targets.map((_, i) => `/targets/${i}/model`)];

  useEffect(() => {
    if (focus) (form.current?.elements.namedItem('model') as HTMLInputElement | null)?.focus();
  }, [focus]);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const timeout = seconds.trim();
    const cache = cacheSeconds.trim();
    save.mutate(
      {
        model: model.trim(),
        ...(feature.trim() ? { feature: feature.trim() } : {}),
        targets: targets.map((t) => ({ provider: t.provider, model: t.model.trim() })),
        ...(timeout ? { timeoutMs: Math.round(Number(timeout) * 1000) } : {}),
        ...(cache ? { cacheTtlSeconds: Math.round(Number(cache)) } : {}),
      },
      {
        onSuccess: () => {
          setModel('');
          setFeature('');
          setTargets([{ key: nextKey, provider: 'openai', model: '' }]);
          setNextKey(nextKey + 1);
          setSeconds('');
          setCacheSeconds('');
        },
      },
    );
  }

  return (
    <>
      <h3>
        {existing ? (
          <>
            Replace the route for <code>{existing.model}</code>
          </>
        ) : (
          'Add a route'
        )}
      </h3>
      <form ref={form} aria-label="Set a route" onSubmit={submit}>
        <div className="form-grid">
          <Field
            label="Model name"
            name="model"
            value={model}
            onChange={(e) => setModel(e.target.value)}
            required
            maxLength={200}
            autoComplete="off"
            spellCheck={false}
            hint="What callers send as the model: an alias of your own, or a real model name to give its calls fallbacks."
            error={fieldError(error, '/model')}
          />
          <Field
            label="Feature (optional)"
            name="feature"
            value={feature}
            onChange={(e) => setFeature(e.target.value)}
            maxLength={256}
            autoComplete="off"
            spellCheck={false}
            hint="Only calls tagged X-LLMLab-Tags: feature=… with this value. Empty: every call for the model name."
            error={fieldError(error, '/feature')}
          />
          <Field
            label="Timeout in seconds (optional)"
            name="timeout"
            type="number"
            min={1}
            max={600}
            step="any"
            value={seconds}
            onChange={(e) => setSeconds(e.target.value)}
            hint="How long each target may take to start answering (its status and headers) before the next is tried. Empty: the proxy's default."
            error={fieldError(error, '/timeoutMs')}
          />
          <Field
            label="Cache answers for, in seconds (optional)"
            name="cache"
            type="number"
            min={1}
            max={86400}
            step={1}
            value={cacheSeconds}
            onChange={(e) => setCacheSeconds(e.target.value)}
            hint="The same non-streamed request is answered from the cache for this long, at no cost; the money saved is recorded. Empty: no cache."
            error={fieldError(error, '/cacheTtlSeconds')}
          />
        </div>
        <div role="group" aria-labelledby={targetsId}>
          <p id={targetsId} className="small">
            <strong>Targets</strong>, tried in order: up to {MAX_TARGETS}, of any provider.
          </p>
          {targets.map((t, i) => (
            <div className="inline-form" key={t.key}>
              <SelectField
                label={`Target ${i + 1} provider`}
                value={t.provider}
                onChange={(e) => setTargets((ts) => ts.map((x) => (x.key === t.key ? { ...x, provider: e.target.value as Provider } : x)))}
                options={PROVIDER_OPTIONS}
              />
              {/* Not `required`: an empty one is sent, and the answer names it beside its input. */}
              <Field
                label={`Target model ${i + 1}`}
                value={t.model}
                size={40}
                onChange={(e) => setTargets((ts) => ts.map((x) => (x.key === t.key ? { ...x, model: e.target.value } : x)))}
                maxLength={200}
                autoComplete="off"
                spellCheck={false}
                error={fieldError(error, `/targets/${i}/model`)}
              />
              {targets.length > 1 && (
                <button
                  type="button"
                  className="btn btn-small"
                  aria-label={`Remove target model ${i + 1}`}
                  onClick={() => {
                    setTargets((ts) => ts.filter((x) => x.key !== t.key));
                    // The refusal names targets by their place, which has changed.
                    save.reset();
                  }}
                >
                  Remove
                </button>
              )}
            </div>
          ))}
        </div>
        <div className="row-actions form-actions">
          <button
            type="button"
            className="btn btn-small"
            disabled={targets.length >= MAX_TARGETS}
            onClick={() => {
              // A fallback of the same provider as the target before it, unless changed.
              setTargets((ts) => [...ts, { key: nextKey, provider: ts[ts.length - 1].provider, model: '' }]);
              setNextKey(nextKey + 1);
            }}
          >
            Add fallback
          </button>
          <button className="btn btn-primary" type="submit" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : existing ? 'Replace route' : 'Save route'}
          </button>
        </div>
      </form>
      {existing && (
        <p className="muted small">
          The route for <code>{existing.model}</code> exists: saving replaces its targets, its timeout and its cache.
        </p>
      )}
      {save.isError && !onlyBesideInputs(error, fields) && <ErrorNotice error={error} fields={fields} />}
      <p role="status" className="small">
        {/* Not once the route is removed. */}
        {save.isSuccess && routes.some((r) => r.routeId === save.data.routeId) && `Route ${save.data.model} saved.`}
      </p>
    </>
  );
}
