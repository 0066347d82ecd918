import { SettingsSchema, type Settings } from '../../../shared/contract';
import type { DB } from './db';

/** Saved settings merged over the defaults; a saved value that no longer parses falls back to its default. */
export function loadSettings(db: DB): Settings {
  const rows = db.prepare('SELECT key, value FROM settings').all() as Array<{ key: string; value: string }>;
  const defaults = SettingsSchema.parse({});
  const merged: Record<string, unknown> = { ...defaults };
  for (const { key, value } of rows) {
    if (!Object.hasOwn(defaults, key)) continue;
    try {
      const candidate = { ...merged, [key]: JSON.parse(value) };
      if (SettingsSchema.safeParse(candidate).success) merged[key] = candidate[key];
    } catch {
      // a corrupt value keeps its default
    }
  }
  return SettingsSchema.parse(merged);
}

export function saveSettings(db: DB, patch: Partial<Settings>): void {
  const put = db.prepare('INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
  db.transaction(() => {
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) put.run(key, JSON.stringify(value));
    }
  })();
}
