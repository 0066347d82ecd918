/** URL checks shared by every front end. Pure: no Node, no DOM beyond the WHATWG `URL` global. */

export const MAX_URL_LENGTH = 8192;

export type UrlCheck = { ok: true; url: string } | { ok: false; message: string };

/** A short, printable rendering of untrusted text for error messages. */
export function preview(text: string, max = 60): string {
  const printable = Array.from(text)
    .map((ch) => {
      const cp = ch.codePointAt(0) ?? 0;
      if (cp < 0x20 || cp === 0x7f || (cp >= 0x200e && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)) {
        return `\\u{${cp.toString(16)}}`;
      }
      return ch;
    })
    .join('');
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}

export function checkUrl(raw: string): UrlCheck {
  const text = raw.trim();
  if (text === '') return { ok: false, message: 'Empty link: paste a web address starting with http:// or https://.' };
  if (text.length > MAX_URL_LENGTH) {
    return { ok: false, message: `Link is ${text.length} characters long; links longer than ${MAX_URL_LENGTH} characters are refused.` };
  }
  if (text.startsWith('-')) {
    return { ok: false, message: `"${preview(text)}" looks like a command-line option, not a link: paste a web address starting with http:// or https://.` };
  }
  // Whitespace or control characters inside a link mean two links were glued together or the text is not a link.
  if (/[\s\u0000-\u001f\u007f]/u.test(text)) {
    return { ok: false, message: `"${preview(text)}" contains spaces or control characters: put one link per line.` };
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return { ok: false, message: `"${preview(text)}" is not a web address: paste a link starting with http:// or https://.` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, message: `Only http:// and https:// links can be downloaded; "${preview(text)}" uses ${parsed.protocol.replace(/:$/, '')}.` };
  }
  if (!parsed.hostname) return { ok: false, message: `"${preview(text)}" has no host name.` };
  return { ok: true, url: parsed.href };
}
