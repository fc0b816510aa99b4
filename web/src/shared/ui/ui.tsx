import { useId, useState, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ApiError } from '../api/problem';

/** A labelled input: every control has an accessible name, and its hint and error are announced with it. */
export function Field({
  label,
  hint,
  error,
  ...input
}: { label: string; hint?: ReactNode; error?: string } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={described} aria-invalid={error ? true : undefined} {...input} />
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error">
          {error}
        </small>
      )}
    </div>
  );
}

export function SelectField({
  label,
  options,
  ...select
}: { label: string; options: readonly { value: string; label: string }[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} {...select}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {description && <p className="muted">{description}</p>}
      </div>
      {actions && <div className="actions">{actions}</div>}
    </header>
  );
}

export function Card({
  title,
  children,
  className,
  actions,
}: {
  title?: string;
  children: ReactNode;
  className?: string;
  actions?: ReactNode;
}) {
  const id = useId();
  return (
    <section className={`card ${className ?? ''}`} aria-labelledby={title ? id : undefined}>
      {(title || actions) && (
        <div className="card-header">
          {title && <h2 id={id}>{title}</h2>}
          {actions}
        </div>
      )}
      {children}
    </section>
  );
}

/** An error for a person; `fields` are the JSON pointers a form already shows beside their inputs. */
export function ErrorNotice({ error, fields }: { error: unknown; fields?: readonly string[] }) {
  const message = error instanceof ApiError ? error.describe(fields) : error instanceof Error ? error.message : String(error);
  return (
    <div className="notice notice-error" role="alert">
      {message}
    </div>
  );
}

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="loading" role="status">
      {label}…
    </div>
  );
}

/** Loading and error states of a query, then its data. */
export function QueryView<T>({ query, children, label }: { query: UseQueryResult<T>; children: (data: T) => ReactNode; label?: string }) {
  if (query.isPending) return <Loading label={label} />;
  if (query.isError) return <ErrorNotice error={query.error} />;
  return <>{children(query.data)}</>;
}

/** A secret shown once: selectable text and a copy button that says it copied. */
export function SecretOnce({ label, value, note }: { label: string; value: string; note?: string }) {
  const [copied, setCopied] = useState(false);
  const id = useId();
  return (
    <div className="secret" role="region" aria-labelledby={id}>
      <p id={id}>
        <strong>{label}</strong> {note ?? 'This is the only time it is shown: copy it now.'}
      </p>
      <div className="secret-row">
        <code data-testid="secret-value">{value}</code>
        <CopyButton value={value} onCopied={() => setCopied(true)} />
      </div>
      <span role="status" className="muted">
        {copied ? 'Copied to the clipboard.' : ''}
      </span>
    </div>
  );
}

export function CopyButton({ value, onCopied, label = 'Copy' }: { value: string; onCopied?: () => void; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-small"
      onClick={() => {
        void navigator.clipboard?.writeText(value).then(
          () => {
            setDone(true);
            onCopied?.();
          },
          () => setDone(false),
        );
      }}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** A labelled block of code to copy: a command or a client's set-up. */
export function Snippet({ label, code }: { label: string; code: string }) {
  return (
    <figure className="snippet">
      <figcaption>
        <span>{label}</span>
        <CopyButton value={code} />
      </figcaption>
      <pre tabIndex={0} aria-label={label}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}
