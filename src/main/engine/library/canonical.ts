/**
 * The canonical form of a URL, used as the first dedup key: tracking parameters dropped, host lower-cased,
 * default ports and fragments removed, well-known short and mobile forms rewritten to the long form.
 * Redirecting short links (vm.tiktok.com, t.co, …) are expanded later, from the extractor's `webpage_url`.
 */
const TRACKING_PARAMS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'msclkid',
  'igshid',
  'igsh',
  'mc_cid',
  'mc_eid',
  'ref_src',
  'ref_url',
  'si',
  'feature',
  'pp',
  'is_from_webapp',
  'sender_device',
  'share_app_id',
  '_r',
  '_t',
]);

function isTracking(key: string): boolean {
  return key.startsWith('utm_') || TRACKING_PARAMS.has(key.toLowerCase());
}

export function canonicalUrl(input: string): string {
  const u = new URL(input);
  u.hash = '';
  u.hostname = u.hostname.toLowerCase();
  if ((u.protocol === 'http:' && u.port === '80') || (u.protocol === 'https:' && u.port === '443')) u.port = '';

  const host = u.hostname.replace(/^(www|m|mobile)\./, '');
  if (host === 'youtu.be') {
    const id = u.pathname.slice(1).split('/')[0];
    if (id) return youtubeWatch(id, u.searchParams.get('list'));
  }
  if (host === 'youtube.com' || host === 'youtube-nocookie.com') {
    const shorts = u.pathname.match(/^\/(?:shorts|live|embed|v)\/([\w-]{6,})/);
    if (shorts?.[1]) return youtubeWatch(shorts[1], null);
    const v = u.searchParams.get('v');
    if (u.pathname === '/watch' && v) return youtubeWatch(v, u.searchParams.get('list'));
    u.hostname = 'www.youtube.com';
  }
  if (host === 'tiktok.com' || host === 'instagram.com') u.hostname = `www.${host}`;

  const kept = [...u.searchParams.entries()].filter(([k]) => !isTracking(k));
  u.search = '';
  for (const [k, v] of kept) u.searchParams.append(k, v);
  return u.href;
}

function youtubeWatch(id: string, list: string | null): string {
  const u = new URL('https://www.youtube.com/watch');
  u.searchParams.set('v', id);
  if (list) u.searchParams.set('list', list);
  return u.href;
}

/** The format part of the dedup keys: the same video in another quality is another item. */
export function formatProfile(quality: string, audioFormat: string): string {
  return quality === 'audio' ? `audio-${audioFormat}` : quality;
}
