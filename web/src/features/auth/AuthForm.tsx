import type { FormEvent, ReactNode } from 'react';

/** Only a path of this dashboard, never another site: `?next=` comes from the address bar. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** The frame of the login and signup forms. */
export function AuthForm({
  title,
  onSubmit,
  children,
  footer,
}: {
  title: string;
  onSubmit: (form: FormData) => void;
  children: ReactNode;
  footer: ReactNode;
}) {
  return (
    <main className="auth-page" id="main">
      <form
        className="card auth-card"
        aria-labelledby="auth-title"
        onSubmit={(e: FormEvent<HTMLFormElement>) => {
          e.preventDefault();
          onSubmit(new FormData(e.currentTarget));
        }}
      >
        <p className="brand">
          <img src="/favicon.svg" alt="" width={24} height={24} /> LLMLab
        </p>
        <h1 id="auth-title">{title}</h1>
        {children}
        <p className="muted">{footer}</p>
      </form>
    </main>
  );
}
