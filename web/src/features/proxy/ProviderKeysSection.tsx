import { useState, type FormEvent } from 'react';
import { ApiError, fieldError } from '../../shared/api/problem';
import { formatDateTime } from '../../shared/dates';
import { Card, ErrorNotice, Field, QueryView, SelectField } from '../../shared/ui/ui';
import {
  PROVIDER_NAMES,
  PROVIDER_OPTIONS,
  useProviderKeys,
  useRemoveProviderKey,
  useStoreProviderKey,
  type Provider,
  type ProviderKey,
} from './proxy.queries';

const STORED = 'Stored encrypted; only its last 4 characters are shown again.';
const KEY_HINTS: Partial<Record<Provider, string>> = {
  openai: `An OpenAI API key (sk-…). ${STORED}`,
  anthropic: `An Anthropic API key (sk-ant-…). ${STORED}`,
  azure: `An Azure OpenAI resource key; give the resource's base URL too. ${STORED}`,
};
const keyHint = (provider: Provider) =>
  KEY_HINTS[provider] ?? `A ${PROVIDER_NAMES[provider]} API key, for the routes that name it. ${STORED}`;
/** The fields the form shows beside their inputs; the rest of a refusal goes in the notice. */
const FIELDS = ['/key', '/baseUrl'];
/** A refusal that names only fields shown beside their inputs: the notice would repeat them. */
const onlyBesideInputs = (error: unknown) =>
  error instanceof ApiError && !!error.problem?.errors?.length && error.problem.errors.every((e) => FIELDS.includes(e.field));

/**
 * The project's stored provider keys (owners and admins): the proxy sends one upstream for a caller that
 * authenticates with its LLMLab key alone. Listed by their last 4 characters, stored or replaced, removed.
 */
export function ProviderKeysSection({ projectId }: { projectId: string }) {
  const keys = useProviderKeys(projectId);
  const remove = useRemoveProviderKey(projectId);
  return (
    <Card title="Provider keys">
      <p className="muted">
        One key per provider. The OpenAI and Anthropic keys serve the calls of this project that bring an LLMLab key in place of a provider
        key; every key serves the route targets that name its provider.
      </p>
      {remove.isError && <ErrorNotice error={remove.error} />}
      <QueryView query={keys} label="Loading the provider keys">
        {(list) => (
          <>
            {list.length === 0 ? (
              <p className="muted">
                No provider key stored: callers must send their own provider key in its usual header and their LLMLab key in X-LLMLab-Key.
              </p>
            ) : (
              <KeysTable keys={list} removing={remove.isPending} onRemove={(provider) => remove.mutate(provider)} />
            )}
            <StoreKey projectId={projectId} stored={list} />
          </>
        )}
      </QueryView>
    </Card>
  );
}

function KeysTable({ keys, removing, onRemove }: { keys: ProviderKey[]; removing: boolean; onRemove: (provider: Provider) => void }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Stored provider keys</caption>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Key</th>
            <th scope="col">Base URL</th>
            <th scope="col">Stored</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const name = PROVIDER_NAMES[k.provider];
            return (
              <tr key={k.provider}>
                <th scope="row">{name}</th>
                <td>
                  <code>••••{k.keyHint}</code>
                </td>
                <td>
                  {k.baseUrl ? (
                    <code className="truncate" title={k.baseUrl}>
                      {k.baseUrl}
                    </code>
                  ) : (
                    <span className="muted">default</span>
                  )}
                </td>
                <td>{formatDateTime(k.storedAt)}</td>
                <td>
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    aria-label={`Remove the ${name} key`}
                    disabled={removing}
                    onClick={() =>
                      window.confirm(
                        `Remove the stored ${name} key (••••${k.keyHint})? Within seconds, calls that rely on it are refused until a key is stored again.`,
                      ) && onRemove(k.provider)
                    }
                  >
                    Remove
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function StoreKey({ projectId, stored }: { projectId: string; stored: ProviderKey[] }) {
  const [provider, setProvider] = useState<Provider>('openai');
  const store = useStoreProviderKey(projectId);
  const error = store.error;
  const existing = stored.find((k) => k.provider === provider);

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const formElement = e.currentTarget;
    const form = new FormData(formElement);
    const baseUrl = String(form.get('baseUrl')).trim();
    store.mutate({ provider, key: String(form.get('key')), ...(baseUrl ? { baseUrl } : {}) }, { onSuccess: () => formElement.reset() });
  }

  return (
    <>
      <h3>{existing ? `Replace the ${PROVIDER_NAMES[provider]} key` : 'Store a key'}</h3>
      <form className="form-grid" aria-label="Store a provider key" onSubmit={submit}>
        <SelectField
          label="Provider"
          value={provider}
          onChange={(e) => {
            setProvider(e.target.value as Provider);
            store.reset();
          }}
          options={PROVIDER_OPTIONS}
        />
        <Field
          label="Provider API key"
          name="key"
          type="password"
          autoComplete="off"
          required
          minLength={8}
          maxLength={500}
          hint={keyHint(provider)}
          error={fieldError(error, '/key')}
        />
        <Field
          label="Base URL (optional)"
          name="baseUrl"
          type="url"
          maxLength={2048}
          hint="Empty: the provider's default API. Otherwise a public HTTPS URL such as https://openrouter.ai/api/v1; other addresses only if the operator listed them in PROXY_TRUSTED_ORIGINS."
          error={fieldError(error, '/baseUrl')}
        />
        <div className="form-actions">
          <button className="btn btn-primary" type="submit" disabled={store.isPending}>
            {store.isPending ? 'Storing…' : existing ? 'Replace key' : 'Store key'}
          </button>
        </div>
      </form>
      {existing && (
        <p className="muted small">
          The {PROVIDER_NAMES[provider]} key ending in <code>{existing.keyHint}</code> is stored: storing replaces it and its base URL
          (enter the base URL again if it needs one), and the old key is destroyed.
        </p>
      )}
      {store.isError && !onlyBesideInputs(error) && <ErrorNotice error={error} fields={FIELDS} />}
      <p role="status" className="small">
        {/* Not once the key is removed. */}
        {store.isSuccess &&
          stored.some((k) => k.provider === store.data.provider) &&
          `${PROVIDER_NAMES[store.data.provider]} key ending in ${store.data.keyHint} stored.`}
      </p>
    </>
  );
}
