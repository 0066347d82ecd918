import { describe, expect, it } from 'vitest';
import { libraryRelPath, numbered, safeSegment, truncateBytes } from '../../src/main/engine/library/naming';

describe('safe file names', () => {
  it('removes separators, reserved characters, control and bidi characters', () => {
    const s = safeSegment('../../etc/passwd \\ a:b*c?d"e<f>g|h \u0000nul \u202Egnp.exe \u200Fmark');
    expect(s).not.toMatch(/[/\\:*?"<>|\u0000-\u001f\u200e\u200f\u202a-\u202e]/u);
    expect(s.startsWith('.')).toBe(false);
    expect(s).toContain('etc_passwd');
  });

  it('never yields a hidden, dot-only, empty or reserved name', () => {
    expect(safeSegment('..')).toBe('untitled');
    expect(safeSegment('   ')).toBe('untitled');
    expect(safeSegment('.hidden')).toBe('hidden');
    expect(safeSegment('name. . ')).toBe('name');
    expect(safeSegment('CON')).toBe('CON_');
    expect(safeSegment('nul.txt')).toBe('nul.txt_');
    expect(safeSegment('lpt1')).toBe('lpt1_');
  });

  it('cuts to 200 bytes on a character boundary', () => {
    const s = safeSegment('é'.repeat(300));
    expect(Buffer.byteLength(s)).toBeLessThanOrEqual(200);
    expect(s).toBe('é'.repeat(100));
    expect(truncateBytes('a😀b', 4)).toBe('a');
  });

  it('builds <source>/<uploader>/<title> [<id>].<ext> within 200 bytes per segment, keeping id and extension', () => {
    const rel = libraryRelPath({ source: 'youtube', uploader: null, title: 'x'.repeat(300), id: 'abc123', ext: 'mp4' });
    const [source, uploader, file] = rel.split('/');
    expect(source).toBe('youtube');
    expect(uploader).toBe('Unknown');
    expect(file!.endsWith(' [abc123].mp4')).toBe(true);
    expect(Buffer.byteLength(file!)).toBeLessThanOrEqual(200);
    expect(libraryRelPath({ source: '../..', uploader: '/', title: 'a/b', id: '../x', ext: 'm/p4' }).split('/')).toHaveLength(3);
  });

  it('numbers a taken name before its extension', () => {
    expect(numbered('a/b/clip [x].mp4', 2)).toBe('a/b/clip [x] (2).mp4');
  });
});
