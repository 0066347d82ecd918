import { useEffect, useState, type ComponentType } from 'react';
import { toAppError } from '../../shared/errors';
import { useClient } from './client/context';
import type { AppClient, ConnectionState } from './client/types';
import { AddUrls } from './components/AddUrls';
import { DropZone } from './components/DropZone';
import { hasModifier, isEditable } from './components/keys';
import { linksIn } from './components/links';
import { hashOf, SCREENS, useHashRoute, type Screen } from './components/route';
import { useTheme } from './components/theme';
import { useAdder } from './components/useAdder';
import { Gallery } from './screens/Gallery';
import { Queue } from './screens/Queue';
import { Search } from './screens/Search';
import { Settings } from './screens/Settings';
import { Stats } from './screens/Stats';
import { useJobs } from './store/jobs';
import { useSettings } from './store/settings';

const SCREEN_COMPONENTS: Record<Screen, ComponentType> = { Queue, Gallery, Search, Settings, Stats };

export function App() {
  const client = useClient();
  const { connection, loadError } = useLiveStores(client);
  const [screen, go] = useHashRoute();
  const adder = useAdder(client);
  const [searchRequests, setSearchRequests] = useState(0);
  useTheme();

  // Ctrl/Cmd+V outside a text field adds the links in the clipboard; plain text without links is left alone.
  const { addFound } = adder;
  useEffect(() => {
    const onPaste = (event: ClipboardEvent) => {
      if (isEditable(event.target)) return;
      const urls = linksIn(event.clipboardData?.getData('text/plain') ?? '');
      if (urls.length === 0) return;
      event.preventDefault();
      void addFound(urls);
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, [addFound]);

  // `/` jumps to the library search, as on most sites with a search box.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '/' || hasModifier(event) || isEditable(event.target)) return;
      event.preventDefault();
      go('Gallery');
      setSearchRequests((n) => n + 1);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go]);

  // After the render that mounted the Gallery, so its search field exists.
  useEffect(() => {
    if (searchRequests > 0) document.querySelector<HTMLElement>('[data-shortcut="search"]')?.focus();
  }, [searchRequests]);

  const Current = SCREEN_COMPONENTS[screen];
  return (
    <div className="app">
      <header className="app-header">
        <div className="app-bar">
          <h1 className="brand">ClipHarbor</h1>
          <nav aria-label="Main">
            <ul>
              {SCREENS.map((name) => (
                <li key={name}>
                  <a
                    href={hashOf(name)}
                    aria-current={screen === name ? 'page' : undefined}
                    onClick={(event) => {
                      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
                      event.preventDefault();
                      go(name);
                    }}
                  >
                    {name}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        </div>
        <AddUrls adder={adder} />
      </header>
      {connection === 'reconnecting' && (
        <p role="status" className="banner">
          Reconnecting to ClipHarbor…
        </p>
      )}
      {loadError && (
        <p role="alert" className="banner banner-error">
          {loadError}
        </p>
      )}
      <main className="app-main">
        <Current />
      </main>
      <DropZone onLinks={addFound} />
    </div>
  );
}

/**
 * Loads the queue and settings and keeps them live. Events missed while the browser's socket was down are not
 * replayed, so both stores reload in full when it comes back.
 */
function useLiveStores(client: AppClient): { connection: ConnectionState; loadError: string | null } {
  const [connection, setConnection] = useState<ConnectionState>('connected');
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    const jobs = useJobs.getState();
    const settings = useSettings.getState();
    const reload = () => {
      void jobs.load(client);
      settings.load(client).then(
        () => setLoadError(null),
        (err: unknown) => setLoadError(`Could not load the settings: ${toAppError(err).message}`),
      );
    };
    // subscribe before loading, so nothing that happens during the load is missed
    const offs = [
      jobs.subscribe(client),
      settings.subscribe(client),
      client.onConnection((state) => {
        setConnection(state);
        if (state === 'connected') reload();
      }),
    ];
    reload();
    return () => {
      for (const off of offs) off();
    };
  }, [client]);

  return { connection, loadError };
}
