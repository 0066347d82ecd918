import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured log in the data dir (never the terminal: the CLI owns that). Secrets are redacted by key. */
export function createLogger(dataDir: string, level = process.env.CLIPHARBOR_LOG_LEVEL ?? 'info'): Logger {
  const dir = path.join(dataDir, 'logs');
  fs.mkdirSync(dir, { recursive: true });
  const dest = pino.destination({ dest: path.join(dir, 'clipharbor.log'), sync: true, mkdir: true });
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: ['*.token', '*.apiKey', '*.cookies', '*.password', '*.authorization', 'token', 'apiKey'], censor: '[secret]' },
    },
    dest,
  );
}
