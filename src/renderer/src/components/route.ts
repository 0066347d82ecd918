import { useCallback, useEffect, useState } from 'react';

export const SCREENS = ['Queue', 'Gallery', 'Search', 'Settings', 'Stats'] as const;
export type Screen = (typeof SCREENS)[number];

export const hashOf = (screen: Screen) => `#${screen.toLowerCase()}`;
const fromHash = (hash: string): Screen => SCREENS.find((screen) => hashOf(screen) === hash) ?? 'Queue';

/** The screen lives in the URL hash, so a reload, a bookmark and Back in a browser all land where expected. */
export function useHashRoute(): [Screen, (screen: Screen) => void] {
  const [screen, setScreen] = useState<Screen>(() => fromHash(location.hash));

  useEffect(() => {
    const sync = () => setScreen(fromHash(location.hash));
    window.addEventListener('hashchange', sync);
    window.addEventListener('popstate', sync);
    return () => {
      window.removeEventListener('hashchange', sync);
      window.removeEventListener('popstate', sync);
    };
  }, []);

  const go = useCallback((next: Screen) => {
    if (location.hash !== hashOf(next)) history.pushState(null, '', hashOf(next));
    setScreen(next);
  }, []);

  return [screen, go];
}
