import { useId, useState } from 'react';

const VIEWS = ['Queue', 'Gallery', 'Settings', 'Stats'] as const;
type View = (typeof VIEWS)[number];

export function App() {
  const [view, setView] = useState<View>('Queue');
  const urlsId = useId();

  return (
    <div className="app">
      <header className="app-header">
        <h1>ClipHarbor</h1>
        <nav aria-label="Main">
          <ul>
            {VIEWS.map((name) => (
              <li key={name}>
                <a
                  href={`#${name.toLowerCase()}`}
                  aria-current={view === name ? 'page' : undefined}
                  onClick={(event) => {
                    event.preventDefault();
                    setView(name);
                  }}
                >
                  {name}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main className="app-main">
        <h2>{view}</h2>
        {view === 'Queue' && (
          <form className="add-urls" onSubmit={(event) => event.preventDefault()}>
            <label htmlFor={urlsId}>Add URLs</label>
            <textarea id={urlsId} name="urls" rows={4} placeholder="One link per line" spellCheck={false} />
            <button type="submit">Add</button>
          </form>
        )}
      </main>
    </div>
  );
}
