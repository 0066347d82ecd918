/**
 * File names that are safe on Windows, macOS and Linux whatever a site puts in a title:
 * no separators or reserved characters, no control or bidi-override characters, no leading dots
 * (hidden files, `..`), no trailing dots or spaces, no reserved device names, at most 200 bytes.
 */
const MAX_NAME_BYTES = 200;
const RESERVED_WINDOWS = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// C0/C1 controls, bidi marks and overrides, zero-width and BOM: invisible, and able to disguise an extension
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;
const RESERVED_CHARS = /[/\\:*?"<>|]/g;

export function safeSegment(text: string, fallback = 'untitled', maxBytes = MAX_NAME_BYTES): string {
  let s = text.normalize('NFC').replace(INVISIBLE, '').replace(RESERVED_CHARS, '_');
  s = s.replace(/\s+/gu, ' ').trim();
  s = s.replace(/^[.\s]+/u, '').replace(/[.\s]+$/u, '');
  s = truncateBytes(s, maxBytes).replace(/[.\s]+$/u, '');
  if (s === '') s = fallback;
  if (RESERVED_WINDOWS.test(s)) s = `${s}_`;
  return s;
}

/** Cuts to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/** `<source>/<uploader>/<title> [<id>].<ext>`, relative to the library, every segment safe. */
export function libraryRelPath(parts: { source: string; uploader: string | null; title: string; id: string; ext: string }): string {
  const ext = safeSegment(parts.ext, 'bin', 10).replace(/[^\w]/g, '').toLowerCase() || 'bin';
  const idPart = ` [${safeSegment(parts.id, 'id', 60)}]`;
  const suffix = `${idPart}.${ext}`;
  const title = safeSegment(parts.title, 'untitled', MAX_NAME_BYTES - Buffer.byteLength(suffix));
  return [safeSegment(parts.source, 'web', 60), safeSegment(parts.uploader ?? '', 'Unknown', 100), `${title}${suffix}`].join('/');
}

/** `name.ext` → `name (2).ext` etc., for a target that already exists with other content. */
export function numbered(relPath: string, n: number): string {
  const slash = relPath.lastIndexOf('/');
  const dir = relPath.slice(0, slash + 1);
  const file = relPath.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  const stem = dot > 0 ? file.slice(0, dot) : file;
  const ext = dot > 0 ? file.slice(dot) : '';
  return `${dir}${stem} (${n})${ext}`;
}
