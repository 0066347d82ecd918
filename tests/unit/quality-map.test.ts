import { describe, expect, it } from 'vitest';
import { QUALITIES } from '../../src/shared/contract';
import { apifyResolution, huntapiQuality } from '../../src/main/engine/providers/quality-map';

describe('quality mapping (PROTOCOLS.md §2)', () => {
  it('maps every quality to an Apify resolution the actor accepts', () => {
    expect(apifyResolution('best')).toEqual({ resolution: '1080p', note: null });
    expect(apifyResolution('2160p')).toEqual({ resolution: '2160p', note: null });
    expect(apifyResolution('1440p')).toEqual({ resolution: '1440p', note: null });
    for (const q of ['1080p', '720p', '480p', '360p'] as const) expect(apifyResolution(q)).toEqual({ resolution: q, note: null });
    const audio = apifyResolution('audio');
    expect(audio.resolution).toBe('360p');
    expect(audio.note).toMatch(/audio/i);
    const allowed = ['2160p', '1440p', '1080p', '720p', '480p', '360p', '240p', '144p'];
    for (const q of QUALITIES) expect(allowed).toContain(apifyResolution(q).resolution);
  });

  it('maps every quality to a HuntAPI download type and video quality', () => {
    for (const q of ['best', '2160p', '1440p'] as const) expect(huntapiQuality(q)).toEqual({ downloadType: 'audio_video', videoQuality: 'best' });
    for (const q of ['1080p', '720p', '480p', '360p'] as const) expect(huntapiQuality(q)).toEqual({ downloadType: 'audio_video', videoQuality: q });
    expect(huntapiQuality('audio').downloadType).toBe('audio');
    const allowed = ['best', '1080p', '720p', '480p', '360p'];
    for (const q of QUALITIES) expect(allowed).toContain(huntapiQuality(q).videoQuality);
  });
});
