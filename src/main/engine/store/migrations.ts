/** Versioned schema. Append a migration; never edit one that has shipped. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES jobs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL DEFAULT 'single' CHECK (kind IN ('single','playlist')),
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued','resolving','downloading','postprocessing','completed','paused','retry_wait','failed','canceled')),
    result TEXT CHECK (result IN ('downloaded','skipped_duplicate','expanded')),
    priority INTEGER NOT NULL DEFAULT 0,
    quality TEXT NOT NULL,
    audio_format TEXT NOT NULL DEFAULT 'm4a',
    format_profile TEXT NOT NULL,
    title TEXT,
    source TEXT,
    extractor TEXT,
    video_id TEXT,
    uploader TEXT,
    upload_date TEXT,
    item_id INTEGER REFERENCES items(id) ON DELETE SET NULL,
    error_code TEXT,
    error_message TEXT,
    tries INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    -- set just before the file is moved into the library, so a crash between the move and the commit is recoverable
    final_path TEXT,
    -- the yt-dlp process that works on this job, so a crashed run's orphans can be stopped before resuming
    worker_pid INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER
  );
  CREATE INDEX jobs_pick ON jobs(state, priority DESC, id);
  CREATE INDEX jobs_parent ON jobs(parent_id);
  CREATE INDEX jobs_canonical ON jobs(canonical_url, format_profile);

  CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    variant TEXT,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    error_code TEXT,
    error_message TEXT,
    bytes INTEGER
  );
  CREATE INDEX attempts_job ON attempts(job_id);

  CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    url TEXT NOT NULL,
    canonical_url TEXT NOT NULL,
    source TEXT NOT NULL,
    extractor TEXT NOT NULL,
    video_id TEXT NOT NULL,
    format_profile TEXT NOT NULL,
    title TEXT NOT NULL,
    uploader TEXT,
    upload_date TEXT,
    path TEXT NOT NULL UNIQUE,
    thumbnail TEXT,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    -- hash of the audio/video packets only: the same media with other embedded metadata has the same one
    content_hash TEXT,
    duration_sec REAL,
    width INTEGER,
    height INTEGER,
    fps REAL,
    vcodec TEXT,
    acodec TEXT,
    bitrate INTEGER,
    attribution_name TEXT,
    attribution_url TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX items_canonical ON items(canonical_url, format_profile);
  CREATE UNIQUE INDEX items_video ON items(extractor, video_id, format_profile);
  CREATE INDEX items_content ON items(content_hash);
  CREATE INDEX items_created ON items(created_at);
  CREATE INDEX items_title ON items(title COLLATE NOCASE);
  CREATE INDEX items_source ON items(source, created_at);
  CREATE INDEX items_source_height ON items(source, height);
  CREATE INDEX items_duration ON items(duration_sec);
  CREATE INDEX items_bytes ON items(bytes);

  -- word-prefix search over title, uploader and source; kept in step with items by triggers
  CREATE VIRTUAL TABLE items_fts USING fts5(title, uploader, source, content='items', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
  CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN
    INSERT INTO items_fts(rowid, title, uploader, source) VALUES (new.id, new.title, new.uploader, new.source);
  END;
  CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN
    INSERT INTO items_fts(items_fts, rowid, title, uploader, source) VALUES ('delete', old.id, old.title, old.uploader, old.source);
  END;
  CREATE TRIGGER items_au AFTER UPDATE ON items BEGIN
    INSERT INTO items_fts(items_fts, rowid, title, uploader, source) VALUES ('delete', old.id, old.title, old.uploader, old.source);
    INSERT INTO items_fts(rowid, title, uploader, source) VALUES (new.id, new.title, new.uploader, new.source);
  END;

  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    type TEXT NOT NULL,
    job_id INTEGER,
    data TEXT
  );
  CREATE INDEX events_at ON events(at);
  `,
  `
  CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    -- how the value was sealed: a value the desktop app sealed with the OS keychain is unreadable to the CLI
    protection TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX events_type_at ON events(type, at);
  -- the library folder an item's path is relative to, so changing the library folder leaves older items playable
  ALTER TABLE items ADD COLUMN root TEXT;
  `,
  `
  -- provider chain: a remote job id to resume after a restart (never billed twice), what the service reported,
  -- and whether an earlier provider had failed (a fallback)
  ALTER TABLE attempts ADD COLUMN remote_id TEXT;
  ALTER TABLE attempts ADD COLUMN detail TEXT;
  ALTER TABLE attempts ADD COLUMN fallback INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX attempts_provider ON attempts(provider, started_at);
  -- stock results keep their creator until the item is made; a forced chain ('direct') skips routing
  ALTER TABLE jobs ADD COLUMN attribution_name TEXT;
  ALTER TABLE jobs ADD COLUMN attribution_url TEXT;
  ALTER TABLE jobs ADD COLUMN route TEXT;

  CREATE TABLE keyframes (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    time_sec REAL NOT NULL,
    -- relative to the item's library root, like items.thumbnail
    path TEXT NOT NULL,
    PRIMARY KEY (item_id, idx)
  );

  -- sliding-window rate limits: one row per request made, per source; survives restarts
  CREATE TABLE rate_events (
    source TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX rate_events_source ON rate_events(source, at);
  -- what a service said about its own limit (Retry-After, X-Ratelimit-*): no request before blocked_until
  CREATE TABLE rate_state (
    source TEXT PRIMARY KEY,
    blocked_until INTEGER,
    limit_total INTEGER,
    remaining INTEGER,
    reset_at INTEGER,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE search_cache (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    answer TEXT NOT NULL,
    fetched_at INTEGER NOT NULL
  );
  CREATE TABLE searches (
    theme TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    last_at INTEGER NOT NULL
  );
  `,
];
