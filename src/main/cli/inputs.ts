import fs from 'node:fs';
import { checkUrl } from '../../shared/url';

export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export interface UrlSource {
  /** Where the text came from, for error messages: "argument 2", "links.txt line 14", "stdin line 3". */
  where: string;
  text: string;
}

export class UsageError extends Error {}

/** Lines of a file or stdin: blank lines and `#` comments are skipped; every other line must be a link. */
export function linesOf(text: string, name: string): UrlSource[] {
  const out: UrlSource[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    out.push({ where: `${name} line ${i + 1}`, text: line });
  });
  return out;
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT_BYTES) throw new UsageError(`stdin is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MB; split the list.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function readListFile(file: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new UsageError(`Cannot read ${file}: no such file.`);
  }
  if (!st.isFile()) throw new UsageError(`${file} is not a file.`);
  if (st.size > MAX_INPUT_BYTES) throw new UsageError(`${file} is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MB; split the list.`);
  return fs.readFileSync(file, 'utf8');
}

/** Checks every link before anything is queued: one bad line and nothing changes. */
export function validateAll(sources: UrlSource[]): { urls: string[]; errors: string[] } {
  const urls: string[] = [];
  const errors: string[] = [];
  for (const s of sources) {
    const r = checkUrl(s.text);
    if (r.ok) urls.push(r.url);
    else errors.push(`${s.where}: ${r.message}`);
  }
  return { urls, errors };
}
