import { useEffect } from 'react';
import { useSettings } from '../store/settings';

/** Puts `data-theme` on <html> for styles.css; "system" follows the OS setting live, without a restart. */
export function useTheme(): void {
  const theme = useSettings((s) => s.settings?.theme ?? 'system');
  useEffect(() => {
    const root = document.documentElement;
    if (theme !== 'system') {
      root.dataset.theme = theme;
      return;
    }
    const dark = matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      root.dataset.theme = dark.matches ? 'dark' : 'light';
    };
    apply();
    dark.addEventListener('change', apply);
    return () => dark.removeEventListener('change', apply);
  }, [theme]);
}
