import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './shared/styles.css';
import { App } from './app/App';
import { refreshSession } from './shared/auth/session';
import { applyStoredTheme } from './shared/layout/theme';

applyStoredTheme();
// A (re)load has no access token: ask for one with the session cookie now, while React and the first page's chunk
// load, rather than after the first render (AuthProvider shares this request).
if (!location.pathname.startsWith('/login') && !location.pathname.startsWith('/signup')) void refreshSession();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
