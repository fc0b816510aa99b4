/** Light, dark, or the system's choice; a preference (no credential) kept in localStorage. */
export type Theme = 'system' | 'light' | 'dark';
const KEY = 'llmlab.theme';

export function storedTheme(): Theme {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  try {
    if (theme === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, theme);
  } catch {
    // not remembered
  }
}

export function applyStoredTheme(): void {
  applyTheme(storedTheme());
}
