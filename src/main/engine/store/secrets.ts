import type { SecretName } from '../../../shared/contract';
import type { DB } from './db';

/**
 * How secrets are sealed at rest. The desktop app passes one backed by the OS keychain (Electron safeStorage);
 * headless runs keep them as they are in the data folder's database, and say so.
 */
export interface SecretBox {
  protection: 'os' | 'file';
  seal(plain: string): Buffer;
  open(sealed: Buffer): string;
}

export const plainBox: SecretBox = {
  protection: 'file',
  seal: (plain) => Buffer.from(plain, 'utf8'),
  open: (sealed) => sealed.toString('utf8'),
};

export class SecretStore {
  constructor(
    private readonly db: DB,
    private readonly box: SecretBox,
    private readonly now: () => number,
  ) {}

  /**
   * The value, or undefined when unset or sealed some other way (by the desktop app's keychain when read from the
   * CLI, or by another keychain): then it has to be entered again here.
   */
  get(name: SecretName): string | undefined {
    const row = this.db.prepare('SELECT value, protection FROM secrets WHERE name = ?').get(name) as { value: Buffer; protection: string } | undefined;
    if (!row || row.protection !== this.box.protection) return undefined;
    try {
      return this.box.open(row.value);
    } catch {
      return undefined;
    }
  }

  set(name: SecretName, value: string): void {
    this.db
      .prepare(
        `INSERT INTO secrets(name, value, protection, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET value = excluded.value, protection = excluded.protection, updated_at = excluded.updated_at`,
      )
      .run(name, this.box.seal(value), this.box.protection, this.now());
  }

  clear(name: SecretName): void {
    this.db.prepare('DELETE FROM secrets WHERE name = ?').run(name);
  }

  get protection(): 'os' | 'file' {
    return this.box.protection;
  }
}
