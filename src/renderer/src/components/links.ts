/** Links out of whatever the user typed, pasted or dropped. */
import { checkUrl } from '../../../shared/url';

export interface BadLink {
  text: string;
  message: string;
}

/** Typed text: every word must be a link, and each one that is not gets its own reason. */
export function checkTyped(text: string): { good: string[]; bad: BadLink[] } {
  const good: string[] = [];
  const bad: BadLink[] = [];
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    const checked = checkUrl(word);
    if (checked.ok) good.push(checked.url);
    else bad.push({ text: word, message: checked.message });
  }
  return { good, bad };
}

/** Pasted or dropped text can be a whole message: keep the links in it and ignore the prose around them. */
export function linksIn(text: string): string[] {
  const found = new Set<string>();
  for (const word of text.split(/\s+/)) {
    const checked = checkUrl(word);
    if (checked.ok) found.add(checked.url);
  }
  return [...found];
}

/** `text/uri-list` is one link per line with `#` comments (RFC 2483); `text/plain` is whatever the source offered. */
export function linksInDrop(data: DataTransfer): string[] {
  const uriList = data
    .getData('text/uri-list')
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('#'))
    .join('\n');
  return linksIn(`${uriList}\n${data.getData('text/plain')}`);
}

export function carriesText(data: DataTransfer | null): data is DataTransfer {
  if (!data) return false;
  const types = Array.from(data.types);
  return types.includes('text/uri-list') || types.includes('text/plain');
}
