import { describe, expect, it } from 'vitest';
import { checkUrl } from '../../src/shared/url';
import { canonicalUrl, formatProfile } from '../../src/main/engine/library/canonical';

describe('link checks', () => {
  it.each([
    ['file:///etc/passwd', /uses file/],
    ['javascript:alert(1)', /uses javascript/],
    ['ftp://x', /uses ftp/],
    ['--exec=touch /tmp/pwned', /command-line option/],
    ['-o/tmp/x', /command-line option/],
    ['', /Empty link/],
    ['not a url', /spaces/],
    ['example.com/video', /not a web address/],
    [`http://x/${'a'.repeat(100_000)}`, /100009 characters/],
    ['http://x/\u0000', /control characters/],
  ])('refuses %j', (input, message) => {
    const r = checkUrl(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it('accepts http(s) links, trimming surrounding space', () => {
    expect(checkUrl('  https://www.youtube.com/watch?v=abc  ')).toEqual({ ok: true, url: 'https://www.youtube.com/watch?v=abc' });
    expect(checkUrl('http://127.0.0.1:8080/v/a.mp4').ok).toBe(true);
  });

  it('escapes invisible characters in messages', () => {
    const r = checkUrl('\u202Eftp://evil');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain('\\u{202e}');
  });
});

describe('canonical URLs', () => {
  it('drops tracking parameters, fragments and default ports, lower-cases the host', () => {
    expect(canonicalUrl('HTTPS://Example.COM:443/v.mp4?utm_source=x&b=2&fbclid=y#t=3')).toBe('https://example.com/v.mp4?b=2');
  });

  it('maps YouTube short, mobile, shorts and embed forms to one watch URL', () => {
    const want = 'https://www.youtube.com/watch?v=dQw4w9WgXcQ';
    for (const u of [
      'https://youtu.be/dQw4w9WgXcQ?si=abc',
      'https://m.youtube.com/watch?v=dQw4w9WgXcQ&feature=share',
      'https://www.youtube.com/shorts/dQw4w9WgXcQ',
      'https://www.youtube.com/embed/dQw4w9WgXcQ',
      'https://youtube.com/watch?v=dQw4w9WgXcQ&pp=xyz',
    ]) {
      expect(canonicalUrl(u)).toBe(want);
    }
    expect(canonicalUrl('https://youtu.be/dQw4w9WgXcQ?list=PL1')).toBe(`${want}&list=PL1`);
  });

  it('keeps the format in the dedup profile', () => {
    expect(formatProfile('audio', 'mp3')).toBe('audio-mp3');
    expect(formatProfile('720p', 'm4a')).toBe('720p');
  });
});
