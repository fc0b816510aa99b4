import { Suspense, useEffect, useState } from 'react';
import { NavLink, Outlet, useMatches, useNavigate } from 'react-router';
import { PAGES, type DashboardPage } from './pages';
import { useMe, useOrganizations, useProjects } from '../shared/api/tenancy';
import { useAuth } from '../shared/auth/AuthProvider';
import { rememberScope, scopedPath, useScope } from '../shared/scope';
import { Loading } from '../shared/ui/ui';
import { applyTheme, storedTheme, type Theme } from '../shared/layout/theme';
import { VerifyEmailBanner } from '../shared/layout/VerifyEmailBanner';

const SECTIONS = ['Spend', 'Debugging', 'Alerting', 'Organization'] as const;

/** The frame of every signed-in page: the organization and project switcher, navigation, account, theme. */
export function AppLayout() {
  const scope = useScope();
  const matches = useMatches();
  const page = (matches.at(-1)?.handle as { page?: DashboardPage } | undefined)?.page;

  useEffect(() => rememberScope(scope), [scope.orgId, scope.projectId]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    document.title = page ? `${page.title} · LLMLab` : 'LLMLab';
  }, [page]);

  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand" aria-label="LLMLab">
          <img src="/favicon.svg" alt="" width={22} height={22} /> LLMLab
        </span>
        <ScopeSwitcher />
        <div className="topbar-end">
          <ThemeSwitch />
          <Account />
        </div>
      </header>
      <nav className="sidebar" aria-label="Dashboard">
        {SECTIONS.map((section) => (
          <div key={section} className="nav-section">
            <h2>{section}</h2>
            <ul>
              {PAGES.filter((p) => p.section === section).map((p) => (
                <li key={p.path}>
                  <NavLink to={scopedPath(scope, p.path)}>{p.title}</NavLink>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </nav>
      <main id="main" className="page" tabIndex={-1}>
        <VerifyEmailBanner />
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}

function ScopeSwitcher() {
  const scope = useScope();
  const navigate = useNavigate();
  const matches = useMatches();
  const organizations = useOrganizations();
  const projects = useProjects(scope.orgId);
  const current = (matches.at(-1)?.handle as { page?: DashboardPage } | undefined)?.page;
  // A detail page (an alert) has no meaning in another organization: switching goes to its list.
  const pagePath = current && !current.path.includes(':') ? current.path : 'overview';
  const live = (projects.data ?? []).filter((p) => !p.archivedAt);

  return (
    <div className="switcher">
      <label>
        <span className="visually-hidden">Organization</span>
        <select
          value={scope.orgId}
          onChange={(e) => navigate(scopedPath({ orgId: e.target.value, projectId: null }, pagePath))}
          aria-label="Organization"
        >
          {(organizations.data ?? []).map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <span aria-hidden="true" className="muted">
        /
      </span>
      <label>
        <span className="visually-hidden">Project</span>
        <select
          value={scope.projectId ?? ''}
          onChange={(e) => navigate(scopedPath({ orgId: scope.orgId, projectId: e.target.value || null }, pagePath))}
          aria-label="Project"
        >
          <option value="">All projects</option>
          {live.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

function ThemeSwitch() {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  return (
    <label className="theme-switch">
      <span className="visually-hidden">Theme</span>
      <select
        aria-label="Theme"
        value={theme}
        onChange={(e) => {
          const next = e.target.value as Theme;
          applyTheme(next);
          setTheme(next);
        }}
      >
        <option value="system">System theme</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

function Account() {
  const me = useMe();
  const { signOut } = useAuth();
  const navigate = useNavigate();
  return (
    <div className="account">
      <span className="muted account-name">{me.data?.user?.name}</span>
      <button
        type="button"
        className="btn btn-small"
        onClick={() => {
          void signOut().then(() => navigate('/login'));
        }}
      >
        Log out
      </button>
    </div>
  );
}
